#!/usr/bin/env bash
# Builds the Dockerfile for real and runs both programs from the image (no Docker engine needed):
#
#   scripts/image_check.sh                  check, unless nothing it depends on changed since the last pass
#   scripts/image_check.sh --force          check regardless
#   scripts/image_check.sh --dockerfile F   check another Dockerfile (same context; e.g. a broken copy)
#
# 1. installs debootstrap and buildah, makes local debian:bookworm and debian:bookworm-slim base images
#    (cached in $AUCTION_IMAGE_CACHE), 2. builds the runtime image and the dev profile's `build` stage with
#    `buildah bud --isolation chroot`, reporting time, sizes and layers, 3. checks the runtime image (ldd of
#    both binaries, no compiler, the packages installed for nothing), 4. runs the API and a worker from it
#    (scripts/image_smoke.sh) against the local PostgreSQL, RabbitMQ and S3 server.
# The inputs' hash of the last pass is kept outside the checkout ($AUCTION_IMAGE_STAMP), so that a fresh
# clone on this machine skips the check too.
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CACHE=${AUCTION_IMAGE_CACHE:-/var/cache/auction/images}
STAMP=${AUCTION_IMAGE_STAMP:-/var/cache/auction/image-check.sha256}
IMAGE=localhost/auction:image-check
BUILD_IMAGE=localhost/auction-build:image-check
DOCKERFILE="$ROOT/Dockerfile"
FORCE=0
while (($#)); do
  case $1 in
    --force) FORCE=1 ;;
    # Another Dockerfile's images get tags of their own, so the repository's stay as they were.
    --dockerfile) DOCKERFILE=$(realpath "$2"); FORCE=1; IMAGE+=-other; BUILD_IMAGE+=-other; shift ;;
    *) _auction_die "unknown option $1 (see the top of $0)"; exit 2 ;;
  esac
  shift
done

# What the image is made of: the Dockerfile, .dockerignore, deploy/, the package lists, this check.
inputs_hash() {
  (
    cd "$ROOT"
    cat Dockerfile .dockerignore deploy/* tools/*/package*.json scripts/image_check.sh scripts/image_smoke.sh
    declare -p AUCTION_DEB_PACKAGES
  ) | sha256sum | cut -d' ' -f1
}

hash=$(inputs_hash)
if ((!FORCE)) && [[ $(cat "$STAMP" 2>/dev/null || true) == "$hash" ]]; then
  log "image check skipped: Dockerfile, .dockerignore, deploy/, the package lists and the check are unchanged" \
    "since its last pass on this machine ($STAMP; --force runs it anyway)"
  exit 0
fi

install_tools() {
  local p missing=()
  for p in debootstrap buildah; do
    _auction_pkg_present "$p" || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  log "installing ${missing[*]}"
  if ! apt-cache show "${missing[@]}" >/dev/null 2>&1; then
    _auction_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
  fi
  _auction_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
}

# The base images as Debian's docker-library makes them (debuerreotype): a minbase debootstrap of bookworm
# with apt's caches and lists emptied, the host's Debian sources (so the build reaches the same registry
# the host does) and debuerreotype-minimizing-config's apt and dpkg settings (no package caches kept, no
# translations, gzipped indexes, unsafe-io). slim is the same tree "slimified" as debuerreotype-slimify
# does: dpkg is told never to install docs (but copyright files), man/info pages, groff, lintian overrides
# and locales, and what debootstrap already installed of them is deleted.
make_rootfs() {
  local dir mirror
  dir=$(mktemp -d "$CACHE/rootfs.XXXXXX")
  mirror=$(sed -n 's/^URIs: *\([^ ]*\/debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -n1)
  mirror=${mirror:-$(awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' /etc/apt/sources.list 2>/dev/null)}
  log "debootstrap --variant=minbase bookworm from $mirror (log $CACHE/debootstrap.log)"
  debootstrap --variant=minbase bookworm "$dir" "$mirror" >"$CACHE/debootstrap.log" 2>&1 ||
    { tail -n 20 "$CACHE/debootstrap.log" >&2; rm -rf "$dir"; _auction_die "debootstrap failed"; return 1; }
  if [[ -f /etc/apt/sources.list.d/debian.sources ]]; then
    cp /etc/apt/sources.list.d/debian.sources "$dir/etc/apt/sources.list.d/"
    rm -f "$dir/etc/apt/sources.list"
  fi
  rm -rf "$dir"/var/lib/apt/lists/* "$dir"/var/cache/apt/*.bin "$dir"/var/cache/apt/archives/*.deb "$dir"/var/log/*.log
  local clean='"rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true";'
  printf '%s\n' "DPkg::Post-Invoke { $clean };" "APT::Update::Post-Invoke { $clean };" 'Dir::Cache::pkgcache "";' \
    'Dir::Cache::srcpkgcache "";' >"$dir/etc/apt/apt.conf.d/docker-clean"
  echo 'Acquire::Languages "none";' >"$dir/etc/apt/apt.conf.d/docker-no-languages"
  echo 'Acquire::GzipIndexes "true";' >"$dir/etc/apt/apt.conf.d/docker-gzip-indexes"
  echo 'Apt::AutoRemove::SuggestsImportant "false";' >"$dir/etc/apt/apt.conf.d/docker-autoremove-suggests"
  echo 'force-unsafe-io' >"$dir/etc/dpkg/dpkg.cfg.d/docker-apt-speedup"
  tar -C "$dir" --numeric-owner -cf "$CACHE/debian-bookworm.tar" .
  printf '%s\n' 'path-exclude /usr/share/doc/*' 'path-include /usr/share/doc/*/copyright' \
    'path-exclude /usr/share/groff/*' 'path-exclude /usr/share/info/*' 'path-exclude /usr/share/linda/*' \
    'path-exclude /usr/share/lintian/overrides/*' 'path-exclude /usr/share/locale/*' \
    'path-exclude /usr/share/man/*' >"$dir/etc/dpkg/dpkg.cfg.d/docker"
  find "$dir/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
  find "$dir/usr/share/doc" -mindepth 1 -type d -empty -delete
  rm -rf "$dir"/usr/share/{groff,info,linda,lintian/overrides,locale,man}/*
  tar -C "$dir" --numeric-owner -cf "$CACHE/debian-bookworm-slim.tar" .
  rm -rf "$dir"
}

# Makes docker.io/library/debian:TAG in buildah's storage from the cached tarball, made first when missing.
# The host's own trust anchors (/usr/local/share/ca-certificates: e.g. an egress proxy's CA) go in too, as
# its apt sources did: the `ca-certificates` the Dockerfile installs adds them, so `npm ci` reaches the
# registry the host reaches. The Dockerfile itself builds unchanged.
# `rm -r $AUCTION_IMAGE_CACHE; buildah rmi debian:bookworm debian:bookworm-slim` makes them afresh.
base_image() {
  local name="docker.io/library/debian:$1" tar="$CACHE/debian-$1.tar" ctr mnt
  if buildah inspect --type image "$name" >/dev/null 2>&1; then
    return 0
  fi
  mkdir -p "$CACHE"
  [[ -f $tar ]] || make_rootfs
  log "importing $tar as $name"
  ctr=$(buildah from --pull=never scratch)
  mnt=$(buildah mount "$ctr")
  tar -C "$mnt" --numeric-owner -xf "$tar"
  mkdir -p "$mnt/usr/local/share/ca-certificates"
  cp -r /usr/local/share/ca-certificates/. "$mnt/usr/local/share/ca-certificates/" 2>/dev/null || true
  buildah umount "$ctr" >/dev/null
  buildah config --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin --cmd bash \
    --os linux --arch amd64 --created-by "debian:$1 made by debootstrap (scripts/image_check.sh)" "$ctr"
  buildah commit --rm -q "$ctr" "$name" >/dev/null
}

install_tools
base_image bookworm
base_image bookworm-slim

# build IMAGE LOGNAME [ARGS...]: builds $DOCKERFILE on the checkout as `docker build` would (the base images
# only from local storage: no registry serves them here; the Docker format, as the OCI one has no HEALTHCHECK),
# logs to .run/logs/LOGNAME.log.
build() {
  local image=$1 logf="$LOG_DIR/$2.log" start=$SECONDS
  shift 2
  mkdir -p "$LOG_DIR"
  log "buildah bud $* -t $image (log $logf)"
  if ! buildah bud --isolation chroot --format docker --pull=never --layers -f "$DOCKERFILE" -t "$image" "$@" "$ROOT" \
    >"$logf" 2>&1; then
    tail -n 40 "$logf" >&2
    _auction_die "building $image from $DOCKERFILE failed (log $logf)"
    return 1
  fi
  log "built $image in $((SECONDS - start)) s: $(image_size "$image"), $(image_layers "$image") layers"
}

image_size() {
  buildah images --format '{{.Size}}' "$1" | head -n1
}

image_layers() {
  buildah inspect --type image --format '{{len .OCIv1.RootFS.DiffIDs}}' "$1"
}

# Each layer of IMAGE with its size (from containers/storage's layer records) and the step that made it.
layers_report() {
  buildah inspect --type image "$1" | python3 -c '
import json, sys
image = json.load(sys.stdin)
layers = json.load(open("/var/lib/containers/storage/overlay-layers/layers.json"))
size = {l.get("diff-digest"): l.get("diff-size", 0) for l in layers}
steps = [h.get("created_by", "") for h in image["Docker"].get("history", []) if not h.get("empty_layer")]
ids = image["Docker"]["rootfs"]["diff_ids"]
steps = ["(base image)"] * (len(ids) - len(steps)) + steps
for d, step in zip(ids, steps):
    step = step.replace("/bin/sh -c ", "").replace("#(nop) ", "")
    print(f"  {size.get(d, 0) / 1e6:8.1f} MB  {step[:90]}")'
}

# The runtime image holds what the programs need and no more: every library of both binaries resolves (ldd
# in the image), no compiler, and each lib* package the runtime stage installs is loaded by a program.
check_runtime() {
  local ctr out pkgs missing lib pkg problems=0
  mapfile -t pkgs < <(awk '/^FROM .* AS runtime/ { r = 1 } r' "$DOCKERFILE" |
    grep -oE '(^|[[:space:]])lib[a-z0-9.+-]+' | tr -d ' \t' | sort -u)
  buildah rm image-check-inspect >/dev/null 2>&1 || true
  ctr=$(buildah from --pull=never --name image-check-inspect "$IMAGE")
  # shellcheck disable=SC2016 # expanded inside the image
  out=$(buildah run --isolation chroot "$ctr" -- sh -c '
    for b in /usr/local/bin/auction-api /usr/local/bin/auction-worker; do ldd "$b" | sed "s|^|ldd ${b##*/} |"; done
    for c in cc c++ gcc g++ clang ld as; do command -v "$c" | sed "s|^|compiler |"; done
    for p in "$@"; do dpkg -L "$p" 2>/dev/null | grep "\.so" | sed "s|^.*/|so $p |"; done' sh "${pkgs[@]}")
  buildah rm "$ctr" >/dev/null
  missing=$(awk '$1 == "ldd" && /not found/ { print $2 ": " $3 }' <<<"$out")
  while IFS=': ' read -r bin lib; do
    [[ -n $lib ]] || continue
    pkg=$(dpkg -S "*/$lib" 2>/dev/null | head -n1 | cut -d: -f1)
    log "FAIL: $bin needs $lib, which the runtime image lacks${pkg:+ (Debian package $pkg: add it to the runtime stage)}"
    problems=$((problems + 1))
  done <<<"$missing"
  if grep -q '^compiler ' <<<"$out"; then
    log "FAIL: the runtime image holds a compiler: $(awk '$1 == "compiler" { printf "%s ", $2 }' <<<"$out")"
    problems=$((problems + 1))
  fi
  for pkg in "${pkgs[@]}"; do
    if ! awk -v p="$pkg" '$1 == "so" && $2 == p { print $3 }' <<<"$out" | grep -qxFf - <(awk '$1 == "ldd" { print $3 }' <<<"$out"); then
      log "FAIL: the runtime stage installs $pkg, but neither program loads a library of it"
      problems=$((problems + 1))
    fi
  done
  ((problems == 0)) || return 1
  log "ok: runtime image: $(awk '$1 == "ldd" && !/not found/ { n++ } END { print n }' <<<"$out") library links of auction-api and auction-worker resolve, no compiler, every lib package of the runtime stage is loaded (${pkgs[*]})"
}

start=$SECONDS
build "$IMAGE" image-build --target runtime
build "$BUILD_IMAGE" image-build-dev --target build
log "runtime image $(image_size "$IMAGE") in $(image_layers "$IMAGE") layers; build stage $(image_size "$BUILD_IMAGE") in $(image_layers "$BUILD_IMAGE") layers"
log "layers of the runtime image:"
layers_report "$IMAGE" >&2
check_runtime || { _auction_die "image check failed: the runtime image of $DOCKERFILE (see above)"; exit 1; }
bash "$ROOT/scripts/image_smoke.sh" "$IMAGE" || { _auction_die "image check failed: the smoke test of $IMAGE"; exit 1; }
if [[ $DOCKERFILE == "$ROOT/Dockerfile" ]]; then
  mkdir -p "$(dirname "$STAMP")"
  echo "$hash" >"$STAMP"
fi
log "image check passed in $((SECONDS - start)) s"
