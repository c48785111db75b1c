/** Arguments and flags shared by several commands, validated while oclif parses (usage errors, exit 2). */
import {Args} from '@oclif/core'
import {KvsError} from '../errors.js'
import {isSocketAddress} from '../placement/placement.js'

export const addressArg = (description: string) =>
  Args.string({
    required: true,
    description,
    async parse(input) {
      if (!isSocketAddress(input)) throw new KvsError('USAGE', `"${input}" is not an ip:port address`, {address: input})
      return input
    },
  })

export const shardIdArg = Args.integer({required: true, min: 1, description: 'Shard ID (an integer from `kvs shard ids`)'})
