#!/usr/bin/env bash
# Build (or fetch from the local cache) the mediasoup C++ worker offline,
# against Debian 12's system libraries, and install it at
#   <mediasoup dir>/worker/out/Release/mediasoup-worker
#
# Usage: bash scripts/mediasoup/build-worker.sh [MEDIASOUP_DIR]
#   MEDIASOUP_DIR defaults to <project root>/node_modules/mediasoup.
#
# Environment (all optional):
#   SPILLWAY_CACHE_DIR            cache root (default: $HOME/.cache/spillway)
#   SPILLWAY_MEDIASOUP_SRTP       auto (default) | openssl | system
#                                 auto: static libsrtp2 built from Debian's source
#                                 package against OpenSSL, else system libsrtp2 (NSS)
#   SPILLWAY_MEDIASOUP_JOBS       parallel compile jobs (default: nproc)
#   SPILLWAY_MEDIASOUP_REBUILD=1  ignore a cached binary and rebuild
#   SPILLWAY_MEDIASOUP_KEEP_BUILD=1  keep the temporary build directory
#
# See scripts/mediasoup/README.md.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PROJECT_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"

APT_PACKAGES=(
  meson ninja-build pkg-config g++ make dpkg-dev
  libssl-dev libuv1-dev libabsl-dev libusrsctp-dev libsrtp2-dev
  libflatbuffers-dev flatbuffers-compiler
)

log() { printf '[mediasoup-worker] %s\n' "$*" >&2; }
die() { printf '[mediasoup-worker] ERROR: %s\n' "$*" >&2; exit 1; }

BUILD_TMP=""
cleanup() {
  if [[ -n "$BUILD_TMP" && -d "$BUILD_TMP" ]]; then
    if [[ "${SPILLWAY_MEDIASOUP_KEEP_BUILD:-0}" == 1 ]]; then
      log "keeping build directory $BUILD_TMP"
    else
      rm -rf "$BUILD_TMP"
    fi
  fi
}
trap cleanup EXIT

# ---------------------------------------------------------------------------
# 1. Locate the mediasoup package.
# ---------------------------------------------------------------------------
MS_DIR="${1:-$PROJECT_ROOT/node_modules/mediasoup}"
[[ -f "$MS_DIR/package.json" ]] ||
  die "mediasoup package not found at $MS_DIR (run 'npm ci' first or pass its directory as the first argument)."
MS_DIR="$(cd "$MS_DIR" && pwd)"
[[ -f "$MS_DIR/worker/meson.build" ]] ||
  die "$MS_DIR has no worker/meson.build, so it is not a mediasoup 3.x source package."

MS_VERSION="$(sed -n 's/^[[:space:]]*"version":[[:space:]]*"\([^"]*\)".*/\1/p' "$MS_DIR/package.json" | head -n1)"
[[ -n "$MS_VERSION" ]] || die "could not read the version from $MS_DIR/package.json."
case "$MS_VERSION" in
  3.1[5-9].*|3.[2-9][0-9].*) ;;
  *) die "mediasoup $MS_VERSION is not supported by this script (it targets 3.15+ with meson wraps, tested with 3.19.3)." ;;
esac

OS_ID="unknown"
if [[ -r /etc/os-release ]]; then
  OS_ID="$(. /etc/os-release && printf '%s%s' "${ID:-unknown}" "${VERSION_ID:-}")"
fi
PLATFORM="$(uname -s | tr '[:upper:]' '[:lower:]')-$(uname -m)-$OS_ID"

SRTP_MODE="${SPILLWAY_MEDIASOUP_SRTP:-auto}"
case "$SRTP_MODE" in auto|openssl|system) ;; *)
  die "SPILLWAY_MEDIASOUP_SRTP must be auto, openssl or system, not '$SRTP_MODE'." ;;
esac

# Hash of everything that shapes the build: this script, the srtp shim and
# the subproject stand-ins.
SCRIPT_HASH="$(
  cd "$SCRIPT_DIR" &&
    find build-worker.sh srtp3-compat subprojects -type f -print0 | LC_ALL=C sort -z |
    xargs -0 sha256sum | sha256sum | cut -c1-16
)"
KEY="$MS_VERSION-$PLATFORM-$SCRIPT_HASH"
[[ "$SRTP_MODE" == auto ]] || KEY="$KEY-srtp-$SRTP_MODE"

CACHE_ROOT="${SPILLWAY_CACHE_DIR:-${HOME:-/root}/.cache/spillway}/mediasoup-worker"
CACHE_DIR="$CACHE_ROOT/$KEY"
CACHED_BIN="$CACHE_DIR/mediasoup-worker"
DEST="$MS_DIR/worker/out/Release/mediasoup-worker"

log "mediasoup $MS_VERSION at $MS_DIR"
log "cache key $KEY"

# ---------------------------------------------------------------------------
# Helpers.
# ---------------------------------------------------------------------------
missing_packages() {
  local p missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  printf '%s\n' "${missing[@]}"
}

ensure_packages() {
  command -v dpkg-query >/dev/null 2>&1 || die "dpkg-query is missing, so this is not a Debian system this script supports."
  local missing
  mapfile -t missing < <(missing_packages | sed '/^$/d')
  if ((${#missing[@]} == 0)); then
    log "step: Debian packages already installed"
    return
  fi
  log "step: installing Debian packages: ${missing[*]}"
  [[ "$(id -u)" == 0 ]] || die "Debian packages ${missing[*]} are missing and installing them needs root (run: apt-get install ${missing[*]})."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2 || die "apt-get update failed, so the missing Debian packages ${missing[*]} cannot be installed."
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 ||
    die "apt-get install of ${missing[*]} failed."
}

install_binary() { # $1 = source binary
  mkdir -p "$(dirname "$DEST")"
  cp "$1" "$DEST.tmp.$$"
  chmod 755 "$DEST.tmp.$$"
  mv -f "$DEST.tmp.$$" "$DEST"
}

unresolved_libs() { ldd "$1" 2>/dev/null | awk '/not found/ {print $1}' | tr '\n' ' '; }

# ---------------------------------------------------------------------------
# 2. Cache hit: copy and leave.
# ---------------------------------------------------------------------------
if [[ "${SPILLWAY_MEDIASOUP_REBUILD:-0}" != 1 && -x "$CACHED_BIN" ]]; then
  log "step: cached worker found at $CACHED_BIN"
  if [[ -n "$(unresolved_libs "$CACHED_BIN")" ]]; then
    # The binary links Debian's shared libraries; a fresh machine may lack them.
    ensure_packages
    missing_libs="$(unresolved_libs "$CACHED_BIN")"
    [[ -z "$missing_libs" ]] || die "the cached worker needs shared libraries that are not installed: $missing_libs"
  fi
  install_binary "$CACHED_BIN"
  [[ -f "$CACHE_DIR/build-info.txt" ]] && sed 's/^/[mediasoup-worker]   /' "$CACHE_DIR/build-info.txt" >&2
  log "done: installed cached worker at $DEST"
  exit 0
fi

START_TS=$(date +%s)

# ---------------------------------------------------------------------------
# 3. Toolchain and libraries.
# ---------------------------------------------------------------------------
ensure_packages
for tool in meson ninja pkg-config flatc c++ cc make; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' is not on PATH even after installing the Debian packages."
done
MESON_VERSION="$(meson --version)"
log "step: toolchain ok (meson $MESON_VERSION, $(flatc --version), $(c++ --version | head -n1))"

JOBS="${SPILLWAY_MEDIASOUP_JOBS:-$(nproc 2>/dev/null || echo 2)}"
BUILD_TMP="$(mktemp -d "${TMPDIR:-/tmp}/spillway-mediasoup-build.XXXXXX")"

# ---------------------------------------------------------------------------
# 4. libsrtp2 against OpenSSL (Debian's binary package uses NSS: 3-4x slower).
# ---------------------------------------------------------------------------
SRTP_PREFIX=""
SRTP_NOTE=""

build_static_srtp() { # prints nothing; sets SRTP_PREFIX on success
  local srcver prefix work apt_opts
  srcver="$(dpkg-query -W -f='${source:Version}' libsrtp2-dev 2>/dev/null || true)"
  [[ -n "$srcver" ]] || { log "libsrtp2-dev version unknown"; return 1; }
  prefix="$CACHE_ROOT/libsrtp2-openssl-${srcver//[^A-Za-z0-9.+-]/_}-$(uname -m)"
  if [[ -f "$prefix/lib/libsrtp2.a" && -f "$prefix/include/srtp2/srtp.h" ]]; then
    log "step: reusing static libsrtp2 $srcver (OpenSSL) from $prefix"
    SRTP_PREFIX="$prefix"
    return 0
  fi
  log "step: fetching Debian source package libsrtp2 $srcver (private apt lists, system apt config untouched)"
  work="$BUILD_TMP/libsrtp2"
  mkdir -p "$work/lists/partial" "$work/sources.list.d" "$work/src"
  : >"$work/sources.list"
  # Mirror the machine's own Debian 'deb' entries as 'deb-src'.
  {
    local f
    for f in /etc/apt/sources.list.d/*.sources; do
      [[ -f "$f" ]] || continue
      awk 'BEGIN{RS=""; ORS="\n\n"} /Types:[^\n]*deb/ && /debian/ {sub(/Types:[^\n]*/, "Types: deb-src"); print}' "$f"
    done
  } >"$work/sources.list.d/src.sources"
  cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
    sed -n 's/^deb \(.*debian.*\)$/deb-src \1/p' >"$work/sources.list" || true
  [[ -s "$work/sources.list.d/src.sources" || -s "$work/sources.list" ]] || { log "no Debian apt source found to mirror as deb-src"; return 1; }
  apt_opts=(-o "Dir::Etc::SourceList=$work/sources.list" -o "Dir::Etc::SourceParts=$work/sources.list.d"
    -o "Dir::State::Lists=$work/lists" -o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache="
    -o "APT::Sandbox::User=root" -qq)
  apt-get "${apt_opts[@]}" update >&2 || { log "apt-get update of deb-src lists failed"; return 1; }
  (cd "$work/src" && apt-get "${apt_opts[@]}" source --download-only "libsrtp2=$srcver" >&2) ||
    (cd "$work/src" && apt-get "${apt_opts[@]}" source --download-only libsrtp2 >&2) ||
    { log "apt-get source libsrtp2 failed"; return 1; }
  (cd "$work/src" && dpkg-source -x ./*.dsc srtp >"$work/dpkg-source.log" 2>&1) || { log "dpkg-source -x failed"; return 1; }
  log "step: building static libsrtp2 with --enable-openssl"
  local stage="$prefix.tmp.$$"
  rm -rf "$stage"
  (
    cd "$work/src/srtp" &&
      CFLAGS="-O2 -fPIC" ./configure --enable-openssl --prefix="$stage" >"$work/configure.log" 2>&1 &&
      nice -n 10 make -j"$JOBS" libsrtp2.a >"$work/make.log" 2>&1 &&
      make install >"$work/install.log" 2>&1
  ) || { log "libsrtp2 configure/make failed (logs in $work when SPILLWAY_MEDIASOUP_KEEP_BUILD=1)"; tail -n 20 "$work"/*.log >&2 || true; rm -rf "$stage"; return 1; }
  rm -f "$stage"/lib/libsrtp2.so*
  mkdir -p "$(dirname "$prefix")"
  rm -rf "$prefix"
  mv "$stage" "$prefix"
  SRTP_PREFIX="$prefix"
}

case "$SRTP_MODE" in
  system)
    SRTP_NOTE="system libsrtp2 (Debian build, crypto via NSS: SRTP is slower)" ;;
  openssl)
    build_static_srtp || die "the static OpenSSL libsrtp2 could not be built from Debian's libsrtp2 source package."
    SRTP_NOTE="static libsrtp2 built against OpenSSL ($SRTP_PREFIX)" ;;
  auto)
    if build_static_srtp; then
      SRTP_NOTE="static libsrtp2 built against OpenSSL ($SRTP_PREFIX)"
    else
      SRTP_NOTE="system libsrtp2 (Debian build, crypto via NSS: SRTP is slower)"
      log "note: SRTP uses Debian's libsrtp2 with NSS crypto (slower), because the OpenSSL build of libsrtp2 failed."
    fi ;;
esac

# ---------------------------------------------------------------------------
# 5. Prepare a patched copy of worker/ (the npm package is left untouched).
# ---------------------------------------------------------------------------
log "step: preparing build tree in $BUILD_TMP/worker"
SRC="$BUILD_TMP/worker"
mkdir -p "$SRC"
tar -C "$MS_DIR/worker" --exclude=./out --exclude=./subprojects --exclude=./prebuild -cf - . | tar -C "$SRC" -xf -
mkdir -p "$SRC/subprojects"
for sp in "$SCRIPT_DIR"/subprojects/*/; do
  name="$(basename "$sp")"
  cp -r "$sp" "$SRC/subprojects/$name"
  printf '/* empty: stands in for a static library mediasoup links whole */\nint spillway_stub_%s(void);\n' "${name//-/_}" \
    >"$SRC/subprojects/$name/dummy.c"
done
mkdir -p "$SRC/subprojects/libsrtp3/include"
cp "$SCRIPT_DIR/srtp3-compat/srtp.h" "$SRC/subprojects/libsrtp3/include/srtp.h"
# Debian 12 has meson 1.0.1; the worker's meson.build uses nothing newer.
sed -i "s/meson_version: *'>= *1\.[0-9.]*'/meson_version: '>= 1.0.0'/" "$SRC/meson.build"
grep -q "meson_version: '>= 1.0.0'" "$SRC/meson.build" || die "could not relax meson_version in worker/meson.build (its format changed)."

# ---------------------------------------------------------------------------
# 6. Configure and compile.
# ---------------------------------------------------------------------------
log "step: meson setup (release, liburing disabled: Debian's liburing 2.3 is too old)"
setup_args=(--buildtype release -Db_ndebug=true -Dms_disable_liburing=true --wrap-mode=nodownload)
[[ -n "$SRTP_PREFIX" ]] && setup_args+=("-Dlibsrtp3:srtp_prefix=$SRTP_PREFIX")
(cd "$SRC" && meson setup "${setup_args[@]}" out >"$BUILD_TMP/meson-setup.log" 2>&1) || {
  tail -n 30 "$BUILD_TMP/meson-setup.log" >&2
  die "meson setup of the mediasoup worker failed (see the log above)."
}

log "step: generating FlatBuffers headers"
(cd "$SRC" && meson compile -C out flatbuffers-generator >"$BUILD_TMP/flatc.log" 2>&1) || {
  tail -n 30 "$BUILD_TMP/flatc.log" >&2
  die "flatc could not generate the worker's FlatBuffers headers."
}

log "step: compiling mediasoup-worker with $JOBS jobs (about 8-10 minutes on 2 cores)"
(cd "$SRC" && nice -n 10 ninja -C out -j "$JOBS" mediasoup-worker >"$BUILD_TMP/ninja.log" 2>&1) &
ninja_pid=$!
ticks=0
while kill -0 "$ninja_pid" 2>/dev/null; do
  sleep 2
  ticks=$((ticks + 1))
  if ((ticks % 30 == 0)) && kill -0 "$ninja_pid" 2>/dev/null; then
    progress="$(grep -o '^\[[0-9]*/[0-9]*\]' "$BUILD_TMP/ninja.log" | tail -n1 || true)"
    log "  compiling ${progress:-...} ($((ticks * 2))s)"
  fi
done
wait "$ninja_pid" || {
  grep -B2 -A12 -m3 'error' "$BUILD_TMP/ninja.log" >&2 || tail -n 40 "$BUILD_TMP/ninja.log" >&2
  die "compiling mediasoup-worker failed (see the compiler errors above)."
}

BUILT="$SRC/out/mediasoup-worker"
[[ -x "$BUILT" ]] || die "the build finished but $BUILT was not produced."
missing_libs="$(unresolved_libs "$BUILT")"
[[ -z "$missing_libs" ]] || die "the built worker cannot find shared libraries: $missing_libs"
# The kTLS guard (subprojects/openssl/bio_callback_guard.c) must be linked
# wherever the worker sets a BIO callback, or DTLS crashes on Debian's libssl.
if grep -rq 'BIO_set_callback_ex' "$SRC/src"; then
  nm "$BUILT" 2>/dev/null | grep '__wrap_BIO_set_callback_ex' >/dev/null ||
    die "the worker calls BIO_set_callback_ex but the kTLS guard was not linked (DTLS would crash on Debian's libssl)."
fi
strip "$BUILT" 2>/dev/null || true

# ---------------------------------------------------------------------------
# 7. Store in the cache and install.
# ---------------------------------------------------------------------------
ELAPSED=$(($(date +%s) - START_TS))
log "step: caching worker in $CACHE_DIR"
mkdir -p "$CACHE_DIR"
cp "$BUILT" "$CACHED_BIN.tmp.$$"
chmod 755 "$CACHED_BIN.tmp.$$"
{
  echo "mediasoup $MS_VERSION, $PLATFORM, built $(date -u +%Y-%m-%dT%H:%M:%SZ) in ${ELAPSED}s"
  echo "srtp: $SRTP_NOTE"
} >"$CACHE_DIR/build-info.txt"
mv -f "$CACHED_BIN.tmp.$$" "$CACHED_BIN"
install_binary "$CACHED_BIN"
log "srtp: $SRTP_NOTE"
log "done: built in ${ELAPSED}s, installed at $DEST ($(du -h "$DEST" | cut -f1))"
