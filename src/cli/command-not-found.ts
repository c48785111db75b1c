/**
 * oclif's `command_not_found` hook: an unknown command is a usage error (exit 2) that names
 * the command probably meant. The KvsError it throws reaches main.ts, which prints it like any
 * failure (one JSON document under --json).
 */
import type {Hook} from '@oclif/core'
import {KvsError} from '../errors.js'
import {suggestCommand} from './did-you-mean.js'

const hook: Hook<'command_not_found'> = async function ({id, config}) {
  const commands = config.commands.filter((c) => !c.hidden).flatMap((c) => [c.id, ...c.aliases])
  const spaced = (commandId: string) => commandId.replaceAll(':', ' ')
  const suggestion = suggestCommand(id, commands)
  const typed = spaced(suggestion?.typed ?? id)
  const hint = suggestion ? ` Did you mean \`${config.bin} ${spaced(suggestion.command)}\`?` : ''
  throw new KvsError('USAGE', `"${typed}" is not a ${config.bin} command.${hint} See \`${config.bin} --help\`.`, {
    command: typed,
    suggestion: suggestion && spaced(suggestion.command),
  })
}

export default hook
