/** Whether a socket's remote address is this machine (127.0.0.0/8 or ::1, also IPv4-mapped). Pure. */
export function isLoopbackSource(remote: string | undefined): boolean {
  if (remote === undefined) return false
  const ip = remote.startsWith('::ffff:') ? remote.slice('::ffff:'.length) : remote
  return ip === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(ip)
}
