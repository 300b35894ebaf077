# syntax=docker/dockerfile:1
# Build stage: install all dependencies and typecheck, so a broken build never ships.
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json biome.json ./
COPY src ./src
COPY config ./config
RUN npx tsc -p tsconfig.build.json

# Runtime stage: production dependencies only (tsx runs the TypeScript sources), non-root user.
FROM node:24-slim
ENV NODE_ENV=production \
    DATABASE_URL=file:/app/data/assistant.db \
    CONFIG_DIR=/app/config \
    PORT=3000
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev && npm cache clean --force
COPY --from=build /app/src ./src
COPY --from=build /app/config ./config
RUN mkdir -p /app/data && chown -R node:node /app/data
USER node
VOLUME ["/app/data"]
EXPOSE 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/healthz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
# Run node directly (not npm start): npm does not reliably forward SIGTERM, and graceful shutdown needs it.
CMD ["node", "--import", "tsx", "src/main.ts"]
