# syntax=docker/dockerfile:1
# Tessera: build with the compilers, run without them, as a non-root user.
#   docker build -t tessera .
#   docker run -p 3000:3000 -v tessera-data:/data tessera

# Node 24 LTS (security releases until April 2028); the test suite runs on Node 20 (README).
# The build: every dependency (better-sqlite3 compiles here when no prebuilt binary fits),
# `npm ci` runs the prepare script that compiles src/ into dist/, then the dev dependencies go.
# The same steps as docs/deployment.md's recipe, which test/release/production-recipe.test.ts runs.
FROM node:24-bookworm-slim AS build
WORKDIR /app
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY src ./src
# `npm run build` copies the mail templates (not code, so not emitted by tsc) into dist/ with it.
COPY scripts/copy-assets.mjs ./scripts/
RUN npm ci --include=dev --no-audit --no-fund && npm prune --omit=dev

FROM node:24-bookworm-slim
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000 \
    DATABASE_URL=sqlite:/data/tessera.db
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
RUN mkdir -p /data && chown node:node /data
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=15s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The command `npm start` execs (package.json), without npm in between.
CMD ["node", "--max-semi-space-size=8", "dist/main.js"]
