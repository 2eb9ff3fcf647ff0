# The reachloop image: one image, the command picks the role (worker, serve, migrate, ...).
FROM node:20-slim
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev
COPY . .
ENTRYPOINT ["node", "bin/reachloop.mjs"]
CMD ["--help"]
