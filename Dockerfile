# syntax=docker/dockerfile:1
# Multi-stage build of both programs (auction-api, auction-worker) into one runtime image.
#
#   docker build -t auction .                          # runtime image, CMD auction-api
#   docker build --target build -t auction-build .     # the toolchain stage (compose's dev profile)
#
# The package lists mirror AUCTION_DEB_PACKAGES in scripts/lib.sh, minus what only tests, benchmarks and
# local services need. Runtime libraries are what `ldd build/auction-api build/auction-worker` names
# beyond glibc/libstdc++ (libpq, librabbitmq, libcurl, OpenSSL, LZ4); their own dependencies
# (Kerberos, LDAP, nghttp2 ...) come in through apt.

# ---------------------------------------------------------------------------------------------------------
FROM debian:bookworm AS build
ARG DEBIAN_FRONTEND=noninteractive
# curl: the dev profile's health checks run in this stage.
# Boost is header-only here (Asio, Beast, JSON and URL are compiled once in pkg/boost_impl), so
# libboost1.81-dev (headers and BoostConfig.cmake) is enough; libboost1.81-all-dev is not needed.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      g++ cmake ninja-build pkg-config ca-certificates curl \
      libboost1.81-dev libpq-dev librabbitmq-dev libcurl4-openssl-dev libssl-dev liblz4-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src

# tools/ first, so the npm layer is rebuilt only when a package.json or lock file changes. The API docs
# assets (tools/apidocs, Swagger UI) come from npm; without that folder no Node.js is installed at all.
COPY tools/ tools/
RUN if [ -f tools/apidocs/package.json ]; then \
      apt-get update \
      && apt-get install -y --no-install-recommends nodejs npm \
      && rm -rf /var/lib/apt/lists/* \
      && cd tools/apidocs \
      && npm ci --ignore-scripts --no-audit --no-fund; \
    fi

COPY . .
# Release without tests and benchmarks, at -O2: the code generation the tests and benchmarks ran (their
# RelWithDebInfo; the binaries are stripped, so no debug info). CMake's Release default, -O3, is not what was
# tested, and GCC 12 raises false warnings there (-Wrestrict in inlined string code) that -Werror makes fatal.
# Warnings stay errors as in every scripted build.
RUN cmake -S . -B build-docker -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE="-O2 -DNDEBUG" \
      -DAUCTION_WERROR=ON \
      -DAUCTION_BUILD_TESTS=OFF -DAUCTION_BUILD_BENCH=OFF \
 && cmake --build build-docker -j"$(nproc)" --target auction-api auction-worker \
 && mkdir -p /out \
 && strip -o /out/auction-api build-docker/auction-api \
 && strip -o /out/auction-worker build-docker/auction-worker

# ---------------------------------------------------------------------------------------------------------
FROM debian:bookworm-slim AS runtime
ARG DEBIAN_FRONTEND=noninteractive
# curl is for the HEALTHCHECK (libcurl4 is needed anyway, so it adds only the small CLI).
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libpq5 librabbitmq4 libcurl4 libssl3 liblz4-1 ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 auction \
 && useradd --system --uid 10001 --gid auction --home-dir /app --shell /usr/sbin/nologin auction

COPY --from=build /out/auction-api /out/auction-worker /usr/local/bin/
COPY deploy/docker-entrypoint.sh /usr/local/bin/docker-entrypoint
COPY deploy/healthcheck.sh /usr/local/bin/auction-healthcheck
# The programs read .env from the working directory when it exists: /app holds none, so only the
# container's environment counts.
WORKDIR /app
USER auction:auction

# 8080: the API's PORT default. 8090: the worker's HEALTH_PORT default (/healthz, /readyz, /metrics).
EXPOSE 8080 8090
# Liveness of whichever program runs (auction-healthcheck asks /healthz on PORT or HEALTH_PORT).
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 CMD ["auction-healthcheck"]
ENTRYPOINT ["docker-entrypoint"]
CMD ["auction-api"]
