# syntax=docker/dockerfile:1
#
# OpenConnect Video token server image: the `token-server` binary plus the built web page.
#
#   docker build -t openconnect-video/token-server .
#   docker run --rm -p 8080:8080 --env-file token-server.env openconnect-video/token-server
#
# The image defaults to APP_ENV=production: it refuses to start until the LiveKit credentials and
# caller authentication are configured (see docs/configuration.md).
#
# Stages: `web` builds apps/web, `skeleton` reduces the workspace to its manifests, `builder`
# compiles dependencies from the skeleton (a layer reused until Cargo.toml/Cargo.lock change) and
# then our crates, `runtime` is a slim Debian image running as an unprivileged user.

# The Rust version matches rust-toolchain.toml exactly, so rustup never downloads another toolchain.
ARG RUST_VERSION=1.95.0
ARG NODE_MAJOR=20
ARG DEBIAN_RELEASE=bookworm

# ---------------------------------------------------------------------------------------------
FROM node:${NODE_MAJOR}-${DEBIAN_RELEASE}-slim AS web
WORKDIR /src/apps/web
# npm 11, as on the development machines: the package-lock.json is written by it.
RUN npm install --global --no-audit --no-fund npm@11.19.1
COPY apps/web/package.json apps/web/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY apps/web/ ./
RUN npm run build

# ---------------------------------------------------------------------------------------------
FROM debian:${DEBIAN_RELEASE}-slim AS skeleton
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
WORKDIR /src
COPY . .
# Keep Cargo.toml, Cargo.lock, rust-toolchain.toml and .cargo/; replace every Rust source with a
# stub that compiles (a crate-level doc comment, plus `fn main` outside library roots). The result
# is byte-identical, timestamps included, for as long as the manifests are, so the dependency
# build in the next stage comes from the layer cache when only our code changed.
RUN find . -type f ! -path './.cargo/*' ! -name Cargo.toml ! -name Cargo.lock \
        ! -name rust-toolchain.toml ! -name '*.rs' -delete \
    && find . -type f -name '*.rs' | while IFS= read -r file; do \
        case "$file" in \
            */src/lib.rs) printf '//! Dependency cache stub.\n' > "$file" ;; \
            *) printf '//! Dependency cache stub.\nfn main() {}\n' > "$file" ;; \
        esac; \
    done \
    && find . -depth -type d -empty -delete \
    && find . -exec touch --no-dereference --date=@0 {} +

# ---------------------------------------------------------------------------------------------
FROM rust:${RUST_VERSION}-${DEBIAN_RELEASE} AS builder
WORKDIR /src
COPY --from=skeleton /src/ ./
RUN cargo build --release --locked --package token-server
COPY . .
# The real sources must look newer than the stub build, or cargo would keep the stub binary.
RUN find . -path ./target -prune -o -type f -name '*.rs' -exec touch {} + \
    && cargo build --release --locked --package token-server \
    && install -D -m 0755 target/release/token-server /out/token-server

# ---------------------------------------------------------------------------------------------
FROM debian:${DEBIAN_RELEASE}-slim AS runtime
LABEL org.opencontainers.image.title="openconnect-video-token-server" \
      org.opencontainers.image.description="OpenConnect Video token server and web page" \
      org.opencontainers.image.licenses="Apache-2.0"
# curl is the health check's HTTP client (the binary has no health-check subcommand). Versions are
# left to the Debian release: pinning would break the build whenever a security update lands.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install --yes --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --no-create-home --home-dir /nonexistent \
        --shell /usr/sbin/nologin app \
    && install -d -o 10001 -g 10001 -m 0700 /var/lib/openconnect-video
COPY --from=builder /out/token-server /usr/local/bin/token-server
COPY --from=web /src/apps/web/dist/ /app/web/
# Listen on all interfaces inside the container; serve the web page from the image. DATA_DIR holds
# the attendance database (SQLite) when DATABASE_URL is unset: mount a volume there, owned by the
# app user (an empty named volume takes this directory's owner).
ENV APP_ENV=production \
    HOST=0.0.0.0 \
    PORT=8080 \
    WEB_DIST_DIR=/app/web \
    DATA_DIR=/var/lib/openconnect-video
# Numeric, so Kubernetes can verify runAsNonRoot.
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["sh", "-c", "curl --fail --silent --show-error --max-time 2 --output /dev/null http://127.0.0.1:${PORT}/healthz || exit 1"]
# Serving is the default; admin subcommands work too: `docker run --rm IMAGE check-config`.
ENTRYPOINT ["/usr/local/bin/token-server"]
