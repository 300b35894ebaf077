# syntax=docker/dockerfile:1
# Build stage: install all dependencies, then typecheck src/ and bundle it into dist/, so a broken build never ships.
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` (the build) runs below, once the sources are here.
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.build.json biome.json ./
COPY scripts/build.mjs ./scripts/build.mjs
COPY src ./src
COPY config ./config
RUN npx tsc -p tsconfig.build.json --noEmit && npm run build

# Runtime stage: production dependencies and the compiled JavaScript only (no TypeScript sources, no tsx, no
# esbuild), non-root user.
FROM node:24-slim
ENV NODE_ENV=production \
    DATABASE_URL=file:/app/data/assistant.db \
    CONFIG_DIR=/app/config \
    PORT=3000
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: no `prepare` build here (dist/ comes from the build stage); no production dependency needs its
# install script (see README.md, Install scripts).
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force
COPY --from=build /app/dist ./dist
COPY --from=build /app/config ./config
RUN mkdir -p /app/data && chown -R node:node /app/data
USER node
VOLUME ["/app/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
# Run node directly (not npm start): npm does not reliably forward SIGTERM, and graceful shutdown needs it.
CMD ["node", "--max-semi-space-size=2", "dist/main.js"]
