/** Arguments and flags shared by several commands, validated while oclif parses (usage errors, exit 2). */
import {Args} from '@oclif/core'
import {KvsError} from '../errors.js'
import {parseNodeName} from '../placement/node-name.js'

/** A node name (API.md section 10.3), answered in its one spelling. */
export const addressArg = (description: string) =>
  Args.string({
    required: true,
    description,
    async parse(input) {
      const parsed = parseNodeName(input)
      if (!parsed.ok) throw new KvsError('USAGE', `"${input}" is not a host:port name: ${parsed.reason}`, {address: input})
      return parsed.value.name
    },
  })

export const shardIdArg = Args.integer({required: true, min: 1, description: 'Shard ID (an integer from `kvs shard ids`)'})
