/**
 * Node names (API.md section 10.3): `host:port`, where host is an IPv4 literal, a bracketed
 * IPv6 literal or a DNS name. Pure.
 *
 * A name is a node's identity and nodes compare names as strings, so every name has one
 * spelling: `parseNodeName` answers it (DNS names in lower case, IPv6 in its RFC 5952 form,
 * IPv4 as written). Spellings that different resolvers read differently are refused
 * rather than guessed: an IPv4 octet or a port with a leading zero (inet_aton reads
 * `010` as 8), and a DNS name whose last label is a number (URL parsers read `kvs.123`
 * as an IPv4 address).
 */

export type HostKind = 'ipv4' | 'ipv6' | 'dns'

export interface NodeName {
  kind: HostKind
  /** What to dial or bind: the host without brackets. */
  host: string
  port: number
  /** The one spelling of the name: `host:port`, `[ipv6]:port`. */
  name: string
}

export type NodeNameParse = {ok: true; value: NodeName} | {ok: false; reason: string}

const ipv4Pattern = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/
const dnsLabel = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/
/** What WHATWG URL parsers take for an IPv4 number: digits, or 0x and hex digits. */
const numericLabel = /^(\d+|0x[0-9a-f]*)$/

/** The parts of `text` and its one spelling, or why it is not a name (nothing is trimmed). */
export function parseNodeName(text: string): NodeNameParse {
  const colon = text.lastIndexOf(':')
  if (colon < 0) return fail('no :port')
  const host = text.slice(0, colon)
  const portText = text.slice(colon + 1)
  if (!/^[1-9]\d{0,4}$/.test(portText) || Number(portText) > 65535) return fail('the port must be 1-65535, without leading zeros')
  const port = Number(portText)
  if (host.startsWith('[')) return ipv6Name(host, port)
  if (host.includes(':')) {
    return fail(/^[0-9a-f:.]+$/i.test(host) ? 'an IPv6 address needs brackets, as in [::1]:8085' : 'one host:port, not a list or a URL')
  }
  if (/^[\d.]+$/.test(host)) return ipv4Name(host, port)
  return dnsName(host, port)
}

/** The one spelling of `text`, or null when it is not a node name. */
export function canonicalNodeName(text: string): string | null {
  const parsed = parseNodeName(text)
  return parsed.ok ? parsed.value.name : null
}

/**
 * A file name for a node's name: the port's colon becomes `_` (`127.0.0.2_8085`,
 * `kvs-0.kvs_8085`, `[::1]_8085`). Names hold no `_`, so `nameFromFileName` reverses it.
 */
export function nameToFileName(name: string): string {
  const colon = name.lastIndexOf(':')
  return `${name.slice(0, colon)}_${name.slice(colon + 1)}`
}

/** The name `nameToFileName` made `fileName` from, or null for any other file name. */
export function nameFromFileName(fileName: string): string | null {
  const underscore = fileName.lastIndexOf('_')
  if (underscore < 0) return null
  const name = `${fileName.slice(0, underscore)}:${fileName.slice(underscore + 1)}`
  return canonicalNodeName(name) === name ? name : null
}

function ipv4Name(host: string, port: number): NodeNameParse {
  const m = ipv4Pattern.exec(host)
  if (!m) return fail('not an IPv4 address (four numbers 0-255 joined by dots)')
  const octets = m.slice(1)
  if (octets.some((o) => Number(o) > 255 || (o.length > 1 && o.startsWith('0')))) {
    return fail('IPv4 numbers must be 0-255, without leading zeros')
  }
  return ok('ipv4', host, port, `${host}:${port}`)
}

function ipv6Name(bracketed: string, port: number): NodeNameParse {
  if (!bracketed.endsWith(']')) return fail('an IPv6 address is written [address]:port')
  const inner = bracketed.slice(1, -1)
  // Zone ids (fe80::1%eth0) name an interface of one machine: no use as a cluster-wide name.
  if (!/^[0-9a-fA-F:.]+$/.test(inner)) return fail('not an IPv6 address')
  let canonical: string
  try {
    canonical = new URL(`http://[${inner}]/`).hostname
  } catch {
    return fail('not an IPv6 address')
  }
  return ok('ipv6', canonical.slice(1, -1), port, `${canonical}:${port}`)
}

function dnsName(host: string, port: number): NodeNameParse {
  const lower = host.toLowerCase()
  if (lower.length === 0) return fail('no host before the port')
  if (lower.length > 253) return fail('a DNS name has at most 253 characters')
  const labels = lower.split('.')
  if (!labels.every((label) => dnsLabel.test(label))) {
    return fail('a DNS name is labels of 1-63 letters, digits and hyphens, joined by dots, with no hyphen at either end of a label')
  }
  if (numericLabel.test(labels[labels.length - 1])) return fail('the last label of a DNS name cannot be a number')
  return ok('dns', lower, port, `${lower}:${port}`)
}

const ok = (kind: HostKind, host: string, port: number, name: string): NodeNameParse => ({ok: true, value: {kind, host, port, name}})
const fail = (reason: string): NodeNameParse => ({ok: false, reason})

/**
 * The order of names in a view, the same on every node: IPv4 literals first, by number;
 * then IPv6 literals, by number; then DNS names, in natural order (runs of digits compare
 * as numbers, so kvs-2 comes before kvs-10); for one host, by port. Strings that are not
 * names come last, in code-unit order. A total order: 0 only for equal strings.
 */
export function compareNodeNames(a: string, b: string): number {
  if (a === b) return 0
  const ka = sortKey(a)
  const kb = sortKey(b)
  const byHost =
    ka.rank - kb.rank ||
    (ka.rank === kindRank.ipv4 ? compareNumbers(ka.numbers, kb.numbers) : 0) ||
    (ka.rank === kindRank.ipv6 ? compareNumbers(ka.numbers, kb.numbers) : 0) ||
    (ka.rank === kindRank.dns ? compareNatural(ka.host, kb.host) : 0)
  return byHost || ka.port - kb.port || (a < b ? -1 : 1)
}

const kindRank = {ipv4: 0, ipv6: 1, dns: 2, invalid: 3} as const

interface SortKey {
  rank: number
  host: string
  /** IPv4 octets or IPv6 groups. */
  numbers: number[]
  port: number
}

function sortKey(text: string): SortKey {
  const parsed = parseNodeName(text)
  if (!parsed.ok) return {rank: kindRank.invalid, host: text, numbers: [], port: 0}
  const {kind, host, port} = parsed.value
  const numbers = kind === 'ipv4' ? host.split('.').map(Number) : kind === 'ipv6' ? ipv6Groups(host) : []
  return {rank: kindRank[kind], host, numbers, port}
}

/** The eight 16-bit groups of a canonical IPv6 address (hex groups, at most one `::`). */
function ipv6Groups(host: string): number[] {
  const [head, tail] = host.split('::')
  const groups = (part: string | undefined) => (part ? part.split(':').map((g) => parseInt(g, 16)) : [])
  const before = groups(head)
  const after = groups(tail)
  return [...before, ...new Array<number>(8 - before.length - after.length).fill(0), ...after]
}

function compareNumbers(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i] - b[i]
  return a.length - b.length
}

/** Natural order: digit runs by numeric value (any length), other runs by code units. */
function compareNatural(a: string, b: string): number {
  const ra = a.match(/\d+|\D+/g) ?? []
  const rb = b.match(/\d+|\D+/g) ?? []
  for (let i = 0; i < Math.min(ra.length, rb.length); i++) {
    const x = ra[i]
    const y = rb[i]
    if (x === y) continue
    const bothDigits = /^\d/.test(x) && /^\d/.test(y)
    if (bothDigits) {
      const nx = x.replace(/^0+(?=\d)/, '')
      const ny = y.replace(/^0+(?=\d)/, '')
      if (nx.length !== ny.length) return nx.length - ny.length
      if (nx !== ny) return nx < ny ? -1 : 1
      continue
    }
    return x < y ? -1 : 1
  }
  return ra.length - rb.length || (a < b ? -1 : a > b ? 1 : 0)
}
