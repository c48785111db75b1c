/**
 * The Dockerfile and deploy/kubernetes agree with the code: port, probe paths, start
 * command, data directory, environment names and drain timings. Images cannot be built
 * here (no registry but npm's), so this is what keeps them honest.
 */
import {expect} from 'chai'
import yaml from 'js-yaml'
import {spawn} from 'node:child_process'
import {existsSync, readdirSync, readFileSync} from 'node:fs'
import {createServer} from 'node:http'
import type {AddressInfo} from 'node:net'
import {join, resolve} from 'node:path'
import {fileURLToPath} from 'node:url'
import {pino} from 'pino'
import {buildNode} from '../../src/node/build-node.js'
import {defaultDrain, resolveNodeOptions} from '../../src/node/options.js'
import {MemoryStorage} from '../../src/storage/memory-storage.js'
import {InMemoryNetwork} from '../../src/transport/in-memory-transport.js'

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)))
const read = (path: string) => readFileSync(join(root, path), 'utf8')

type Doc = Record<string, any>

function sourceText(dir: string): string {
  let text = ''
  for (const entry of readdirSync(join(root, dir), {withFileTypes: true, recursive: true})) {
    if (entry.isFile() && entry.name.endsWith('.ts')) text += readFileSync(join(entry.parentPath, entry.name), 'utf8')
  }
  return text
}

describe('deployment files agree with the code', () => {
  const dockerfile = read('Dockerfile')
  const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '))
  const manifests: Doc[] = readdirSync(join(root, 'deploy/kubernetes'))
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => yaml.loadAll(read(`deploy/kubernetes/${f}`)) as Doc[])
  const kind = (k: string) => manifests.filter((m) => m.kind === k)
  const [statefulSet] = kind('StatefulSet')
  const growth: Doc[] = readdirSync(join(root, 'deploy/kubernetes/grow'))
    .filter((f) => f.endsWith('.yaml'))
    .flatMap((f) => yaml.loadAll(read(`deploy/kubernetes/grow/${f}`)) as Doc[])
  const pod = statefulSet.spec.template.spec
  const container = pod.containers[0]
  const env = new Map<string, string | undefined>(container.env.map((e: {name: string; value?: string}) => [e.name, e.value]))
  const code = sourceText('src') + sourceText('commands')

  it('one port everywhere: EXPOSE, containerPort, both Services, the probes (by name) and SOCKET_ADDRESS', () => {
    const port = Number(/^EXPOSE (\d+)$/m.exec(finalStage)?.[1])
    expect(port).to.equal(8085)
    expect(container.ports).to.deep.equal([{name: 'http', containerPort: port}])
    for (const service of kind('Service')) expect(service.spec.ports.map((p: Doc) => [p.port, p.targetPort]), service.metadata.name).to.deep.equal([[port, 'http']])
    expect(container.readinessProbe.httpGet.port).to.equal('http')
    expect(container.livenessProbe.httpGet.port).to.equal('http')
    expect(env.get('SOCKET_ADDRESS')).to.match(new RegExp(`:${port}$`))
  })

  it('probe paths and the image health check are routes the node serves', async () => {
    expect(container.readinessProbe.httpGet.path).to.equal('/readyz')
    expect(container.livenessProbe.httpGet.path).to.equal('/livez')
    expect(finalStage).to.match(/HEALTHCHECK [^\n]*\\\n[^\n]*\/livez/)
    const address = '127.0.0.2:8085'
    const node = await buildNode({address, view: [address, '127.0.0.3:8085'], shardCount: 1}, new MemoryStorage(), new InMemoryNetwork().transport(address), pino({level: 'silent'}))
    try {
      await node.app.ready()
      for (const url of ['/livez', '/readyz', '/metrics']) expect(node.app.hasRoute({method: 'GET', url}), url).to.equal(true)
    } finally {
      await node.close()
    }
  })

  it('the image starts `kvs node start` from the built entry point, as a non-root user with a data volume', () => {
    expect(finalStage).to.include('ENTRYPOINT ["node", "bin/run.js", "node", "start"]')
    expect(existsSync(join(root, 'bin/run.js'))).to.equal(true)
    expect(existsSync(join(root, 'commands/node/start.ts'))).to.equal(true)
    expect(container.command, 'the manifest keeps the image entry point').to.equal(undefined)
    expect(finalStage).to.match(/^USER node$/m)
    expect(finalStage).to.match(/^VOLUME \/data$/m)
    expect(finalStage).to.match(/KVS_DATA_DIR=\/data/)
    expect(env.get('KVS_DATA_DIR')).to.equal('/data')
    expect(container.volumeMounts).to.deep.equal([{name: 'data', mountPath: '/data'}])
    expect(statefulSet.spec.volumeClaimTemplates.map((v: Doc) => v.metadata.name)).to.deep.equal(['data'])
    expect(pod.securityContext).to.include({runAsNonRoot: true, runAsUser: 1000, fsGroup: 1000})
  })

  it('every environment name given to the node is one the code reads', () => {
    const given = [...env.keys()].filter((name) => name !== 'POD_NAME')
    for (const match of finalStage.matchAll(/^\s*(?:ENV )?(KVS_[A-Z_]+)=/gm)) given.push(match[1])
    expect(given).to.include('KVS_LISTEN')
    expect(given.filter((name) => !code.includes(name))).to.deep.equal([])
  })

  it('both tokens come from one Secret, never from a value written in the manifests', () => {
    const secretOf = (name: string) => container.env.find((e: {name: string}) => e.name === name)?.valueFrom?.secretKeyRef
    expect(secretOf('KVS_TOKEN')).to.deep.equal({name: 'kvs-tokens', key: 'client'})
    expect(secretOf('KVS_CLUSTER_TOKEN')).to.deep.equal({name: 'kvs-tokens', key: 'cluster'})
    expect(env.get('KVS_TOKEN')).to.equal(undefined)
    expect(env.get('KVS_CLUSTER_TOKEN')).to.equal(undefined)
    // The README creates that Secret with both keys before the first apply.
    expect(read('README.md')).to.match(/kubectl create secret generic kvs-tokens --from-literal=client=.+ --from-literal=cluster=.+/)
  })

  it('each pod is known by its DNS name and binds every interface on the container port (KVS_LISTEN)', () => {
    const port = Number(/^EXPOSE (\d+)$/m.exec(finalStage)?.[1])
    expect(finalStage).to.match(new RegExp(`KVS_LISTEN=0\\.0\\.0\\.0:${port}\\b`))
    expect(env.get('KVS_LISTEN')).to.equal(`0.0.0.0:${port}`)
    for (let i = 0; i < statefulSet.spec.replicas; i++) {
      const podName = `${statefulSet.metadata.name}-${i}`
      // As the kubelet expands $(POD_NAME) in the StatefulSet's environment.
      const podEnv = Object.fromEntries([...env].map(([k, v]) => [k, v?.replace('$(POD_NAME)', podName)]))
      const options = resolveNodeOptions({}, podEnv)
      expect(options.address).to.equal(`${podName}.${statefulSet.spec.serviceName}:${port}`)
      expect(options.listen).to.equal(`0.0.0.0:${port}`)
      expect(options.view).to.include(options.address)
      expect(options.view?.length).to.equal(statefulSet.spec.replicas)
    }
  })

  it("the image's health check asks /livez where KVS_LISTEN binds, through loopback", async () => {
    const script = (JSON.parse(/HEALTHCHECK [^\n]*\\\n\s*CMD (\[.*\])$/m.exec(finalStage)?.[1] ?? '[]') as string[]).at(-1) as string
    const asked: string[] = []
    const server = createServer((req, res) => {
      asked.push(req.url ?? '')
      res.writeHead(req.url === '/livez' ? 200 : 404).end('{}')
    })
    await new Promise<void>((done) => server.listen({host: '127.0.0.1', port: 0}, done))
    const {port} = server.address() as AddressInfo
    try {
      const run = (extra: Record<string, string>) =>
        new Promise<number | null>((done) => {
          const child = spawn(process.execPath, ['-e', script], {env: {PATH: process.env.PATH, ...extra}, stdio: 'ignore'})
          child.once('exit', (code) => done(code))
        })
      expect(await run({KVS_LISTEN: `0.0.0.0:${port}`, SOCKET_ADDRESS: 'kvs-0.kvs:8085'})).to.equal(0)
      expect(await run({SOCKET_ADDRESS: `127.0.0.1:${port}`})).to.equal(0)
      expect(asked).to.deep.equal(['/livez', '/livez'])
      server.close()
      expect(await run({KVS_LISTEN: `0.0.0.0:${port}`})).to.equal(1)
    } finally {
      if (server.listening) server.close()
    }
  })

  it('VIEW names every pod of the StatefulSet through the headless Service, and the shards fit', () => {
    const replicas = statefulSet.spec.replicas
    const headless = kind('Service').find((s) => s.spec.clusterIP === 'None')
    expect(headless?.metadata.name).to.equal(statefulSet.spec.serviceName)
    expect(headless?.spec.publishNotReadyAddresses, 'peers resolve each other before they are ready').to.equal(true)
    const name = statefulSet.metadata.name
    expect(env.get('VIEW')).to.equal(Array.from({length: replicas}, (_, i) => `${name}-${i}.${headless?.metadata.name}:8085`).join(','))
    expect(env.get('SOCKET_ADDRESS')).to.equal(`$(POD_NAME).${headless?.metadata.name}:8085`)
    expect(2 * Number(env.get('SHARD_COUNT'))).to.be.at.most(replicas)
  })

  it('the grace period covers preStop, the drain delay and timeout, and the watchdog', () => {
    const preStopSeconds = Number(container.lifecycle.preStop.exec.command.at(-1))
    const delayMs = Number(env.get('KVS_DRAIN_DELAY_MS') ?? defaultDrain.delayMs)
    const timeoutMs = Number(env.get('KVS_DRAIN_TIMEOUT_MS') ?? defaultDrain.timeoutMs)
    // daemon.ts exits on its own 5 s after both bounds if even the flush has not finished.
    expect(pod.terminationGracePeriodSeconds).to.be.at.least(preStopSeconds + (delayMs + timeoutMs + 5000) / 1000)
  })

  it('the PodDisruptionBudget and both Services cover the StatefulSet and its growth set; one node down at a time', () => {
    const [pdb] = kind('PodDisruptionBudget')
    expect(pdb.spec.maxUnavailable).to.equal(1)
    for (const set of [statefulSet, ...growth]) {
      expect(set.spec.template.metadata.labels, set.metadata.name).to.include(pdb.spec.selector.matchLabels)
      for (const service of kind('Service')) expect(set.spec.template.metadata.labels).to.include(service.spec.selector)
    }
    expect(pod.affinity.podAntiAffinity).to.not.equal(undefined)
  })

  it('the growth set (deploy/kubernetes/grow/) is the same pod without SHARD_COUNT: newcomers that announce themselves by name', () => {
    expect(growth.map((m) => m.kind)).to.deep.equal(['StatefulSet'])
    const [grow] = growth
    expect(grow.spec.serviceName).to.equal(statefulSet.spec.serviceName)
    expect(grow.spec.template.metadata.labels).to.deep.equal(grow.spec.selector.matchLabels)
    // Each StatefulSet's selector must not pick the other's pods.
    expect(statefulSet.spec.template.metadata.labels).to.not.include(grow.spec.selector.matchLabels)
    expect(grow.spec.template.metadata.labels).to.not.include(statefulSet.spec.selector.matchLabels)
    const growPod = structuredClone(grow.spec.template.spec)
    const growEnv = growPod.containers[0].env as Array<{name: string; value?: string}>
    expect(growEnv.map((e) => e.name)).to.not.include('SHARD_COUNT')
    growPod.containers[0].env = container.env.filter((e: {name: string}) => e.name !== 'SHARD_COUNT')
    expect(growEnv).to.deep.equal(growPod.containers[0].env)
    expect(growPod).to.deep.equal({...pod, containers: [{...container, env: growPod.containers[0].env}]})

    const initial = env.get('VIEW')?.split(',') ?? []
    for (let i = 0; i < grow.spec.replicas; i++) {
      const podName = `${grow.metadata.name}-${i}`
      const options = resolveNodeOptions({}, Object.fromEntries(growEnv.map((e) => [e.name, e.value?.replace('$(POD_NAME)', podName)])))
      expect(options.shardCount, podName).to.equal(null)
      expect(options.view).to.deep.equal([...initial, `${podName}.${grow.spec.serviceName}:8085`])
    }
    // The README grows the cluster by one shard: every shard of the reshard keeps two nodes.
    expect(statefulSet.spec.replicas + grow.spec.replicas).to.be.at.least(2 * (Number(env.get('SHARD_COUNT')) + 1))
  })
})
