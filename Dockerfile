# kvs node image: `kvs node start`, configured by the environment (README, Configuration).
# Built in two stages so the image holds the compiled code and production dependencies
# only, not the TypeScript toolchain.
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY bin bin
COPY commands commands
COPY src src
# npm ci runs `prepare`, which builds dist/ and the oclif manifest; then drop dev dependencies.
RUN npm ci && npm prune --omit=dev

FROM node:20-slim
# A container is reached through its own network interface, whatever name the node has
# (SOCKET_ADDRESS, API.md section 10.3): bind every interface; change it with the port.
ENV NODE_ENV=production \
    KVS_LISTEN=0.0.0.0:8085 \
    KVS_DATA_DIR=/data \
    KVS_HOME=/data/.kvs
WORKDIR /app
COPY --from=build /app/package.json /app/.oclif.manifest.json ./
COPY --from=build /app/bin bin
COPY --from=build /app/dist dist
COPY --from=build /app/node_modules node_modules
# The image's `node` user (uid 1000) owns the data directory; nothing runs as root.
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME /data
EXPOSE 8085
# The image has no curl: Node's fetch asks /livez where the node listens (KVS_LISTEN, else its
# name), through loopback when it binds every interface.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "const at = (process.env.KVS_LISTEN || process.env.SOCKET_ADDRESS).replace(/^0\\.0\\.0\\.0:/, '127.0.0.1:').replace(/^\\[::\\]:/, '[::1]:'); fetch('http://' + at + '/livez', {signal: AbortSignal.timeout(2000)}).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM drains (README, Health, metrics and drain); node is PID 1 and handles it itself.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "bin/run.js", "node", "start"]
