#!/usr/bin/env bash
# Installs every Debian package cuddle builds, tests and benchmarks with. Idempotent:
# packages already present are left as they are. Needs root (or sudo).
set -euo pipefail
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git
  clang libclang-rt-14-dev libomp-dev # libFuzzer, sanitizer runtimes, OpenMP for clang builds
  libopenblas-openmp-dev              # GEMM, sharing OpenMP's thread pool with our kernels
  libsimdjson-dev nlohmann-json3-dev  # JSON: large read-mostly files / small documents
  libcli11-dev                        # command-line parsing
  libgtest-dev libgmock-dev libbenchmark-dev
  libhwy-dev                          # portable SIMD with runtime dispatch
  libpcre2-dev libutf8proc-dev        # tokenizers: regex with JIT, Unicode
  python3-jinja2                      # chat templates: the engine transformers renders them with (test reference)
  libjpeg62-turbo-dev libpng-dev      # images, decoded as Pillow decodes them
  libcurl4-openssl-dev libssl-dev libsqlite3-dev libcpp-httplib-dev  # Hub client and server
  libflatbuffers-dev flatbuffers-compiler  # Arrow IPC metadata (datasets)
  libthrift-dev thrift-compiler libboost-dev  # Parquet metadata (Thrift headers need Boost)
  libsnappy-dev libzstd-dev liblz4-dev libbrotli-dev zlib1g-dev  # Parquet page codecs
  libprotobuf-dev protobuf-compiler   # TensorBoard event files (Event / Summary protobufs)
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# Node.js and npm run the reference implementations of the differential tests. A machine
# may already have them from another source (NodeSource's nodejs bundles npm and conflicts
# with Debian's npm package), so look for the commands, not the Debian packages.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  missing+=(nodejs npm)
fi
# Always refresh the package lists first (an old list can miss packages or versions).
$SUDO apt-get update -qq
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "install-deps: all ${#PACKAGES[@]} packages present"
fi
