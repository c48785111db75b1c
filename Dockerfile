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
ENV NODE_ENV=production \
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
# The image has no curl: Node's fetch asks /livez at SOCKET_ADDRESS (an ip:port, API.md section 1).
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://' + process.env.SOCKET_ADDRESS + '/livez', {signal: AbortSignal.timeout(2000)}).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# SIGTERM drains (README, Health, metrics and drain); node is PID 1 and handles it itself.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "bin/run.js", "node", "start"]
