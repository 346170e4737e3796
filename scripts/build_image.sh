#!/usr/bin/env bash
# Builds the Dockerfile with podman, offline, on a Debian 12 machine with no Docker engine and no
# registry access (what CI has). tests/test_image.py runs it, then runs the image's filesystem.
#
#   sudo scripts/build_image.sh            # -> localhost/dendro-explorer:check; prints the podman
#                                          #    command that sees it (the storage is private)
#   sudo scripts/build_image.sh --clean    # removes the images and every cached download
#
# 1. The base: `debootstrap --variant=minbase bookworm` from the Debian mirror apt already uses,
#    trimmed as the official slim image is, `podman import`ed as debian:bookworm-slim (the
#    Dockerfile's FROM; no registry is ever asked: --pull=never).
# 2. A wheelhouse: `pip download` run by Debian's own python3 (3.11.2 on the same glibc: the
#    image's interpreter), so environment markers resolve as they will in the image; redis needs
#    async-timeout below Python 3.11.3, which a wheelhouse made under a newer 3.11 misses. pip
#    inside a build does not trust the index's certificate on these machines, so the build
#    installs from the wheelhouse (mounted read-only) with --no-index.
# 3. `podman build --isolation=chroot --format docker` (crun cannot run containers here; the
#    docker format keeps HEALTHCHECK).
#
# Cached under $DENDRO_IMAGE_CACHE (default ~/.cache/dendro-image), so a second run rebuilds only
# what changed: the base tarball (remade after 30 days: point releases, security fixes), the
# wheelhouse (keyed by the hashes of requirements.txt and the interpreter version) and podman's
# own storage, whose build layers are Docker's cache (apt and pip rerun when the Dockerfile's
# lines above them or requirements.txt change). Steps 1 and 2 download in parallel.
#
# Environment: IMAGE_TAG; DEBIAN_MIRROR, DEBIAN_SECURITY_MIRROR (default: from
# /etc/apt/sources.list*); PODMAN_ROOT, PODMAN_RUNROOT (default: under the cache and /run).
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE_TAG="${IMAGE_TAG:-localhost/dendro-explorer:check}"
BASE_REF="docker.io/library/debian:bookworm-slim"
CACHE="${DENDRO_IMAGE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dendro-image}"
BASE_MAX_AGE_DAYS=30
PODMAN_ROOT="${PODMAN_ROOT:-$CACHE/podman}"
# Run state belongs on a tmpfs: after a reboot it must be gone, as the mounts it counts are.
PODMAN_RUNROOT="${PODMAN_RUNROOT:-/run/dendro-image/$(echo "$CACHE" | sha256sum | cut -c1-12)}"
PODMAN=(podman --root "$PODMAN_ROOT" --runroot "$PODMAN_RUNROOT")

log() { echo "[build_image $(date +%T)] $*" >&2; }
die() { echo "build_image: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (debootstrap and podman's chroot isolation need it)"
for tool in podman debootstrap flock /usr/bin/python3; do
  command -v "$tool" >/dev/null \
    || die "$tool is missing: apt-get install podman debootstrap util-linux python3-venv"
done
mkdir -p "$CACHE"
# Two runs on one machine share the cache and the tag: the second waits for the first's build.
exec 9>"$CACHE/.lock"
flock 9

if [ "${1:-}" = "--clean" ]; then
  "${PODMAN[@]}" rm --all --force >/dev/null || true
  "${PODMAN[@]}" rmi --all --force >/dev/null || true
  # Whatever podman left mounted under its storage (an interrupted run) goes before the files.
  awk -v root="$PODMAN_ROOT" -v run="$PODMAN_RUNROOT" \
    'index($2, root) == 1 || index($2, run) == 1 { print $2 }' /proc/mounts | sort -r \
    | while read -r m; do umount -l "$m"; done
  rm -rf "$CACHE" "$PODMAN_RUNROOT"
  log "removed $CACHE and $PODMAN_RUNROOT"
  exit 0
fi

# The mirror of the first deb822 stanza or one-line entry that serves suite $1.
debian_mirror() {
  local f suite="$1"
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] && awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i !~ /^\[/ && $i !~ /=/ && $i !~ /\]$/) { if ($(i + 1) == suite) { print $i; exit } break } }' suite="$suite" "$f"
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && awk 'BEGIN { RS = ""; FS = "\n" }
      { uri = ""; ok = 0
        for (i = 1; i <= NF; i++) {
          if ($i ~ /^URIs:/) { split($i, a, /[ \t]+/); uri = a[2] }
          if ($i ~ /^Suites:/) { n = split($i, s, /[ \t]+/); for (j = 2; j <= n; j++) if (s[j] == suite) ok = 1 }
          if ($i ~ /^Enabled: *no/) ok = 0
        }
        if (ok && uri != "") print uri }' suite="$suite" "$f"
  done
  return 0
}
MIRROR="${DEBIAN_MIRROR:-$(debian_mirror bookworm | head -n 1 || true)}"
MIRROR="${MIRROR%/}"
[ -n "$MIRROR" ] || die "no bookworm mirror in /etc/apt/sources.list*; set DEBIAN_MIRROR"
SECURITY_MIRROR="${DEBIAN_SECURITY_MIRROR:-$(debian_mirror bookworm-security | head -n 1 || true)}"
SECURITY_MIRROR="${SECURITY_MIRROR%/}"

PY_VERSION="$(/usr/bin/python3 -c 'import platform; print(platform.python_version())')"
wheel_key="$(cat requirements.txt <(echo "$PY_VERSION") | sha256sum | cut -c1-16)"
WHEELS="$CACHE/wheels-$wheel_key"

# --- 1. the base image --------------------------------------------------------------------
make_base() {
  local work root
  work="$(mktemp -d "$CACHE/debootstrap.XXXXXX")"
  root="$work/rootfs"
  log "debootstrap --variant=minbase bookworm from $MIRROR"
  if ! debootstrap --variant=minbase bookworm "$root" "$MIRROR" >"$work/debootstrap.log" 2>&1; then
    tail -n 30 "$work/debootstrap.log" >&2
    rm -rf "$work"
    die "debootstrap failed"
  fi
  # What makes the official image "slim" (its /etc/dpkg/dpkg.cfg.d/docker and apt settings):
  # no documentation or locales from later installs, no fsync per file (dpkg's unsafe-io), no
  # package indexes or downloads kept.
  cat >"$root/etc/dpkg/dpkg.cfg.d/docker" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
EOF
  echo 'Acquire::Languages "none";' >"$root/etc/apt/apt.conf.d/docker-no-languages"
  echo 'force-unsafe-io' >"$root/etc/dpkg/dpkg.cfg.d/docker-apt-speedup"
  cat >"$root/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";
EOF
  # The official image's sources (one deb822 file), pointed at this machine's mirrors.
  stanza() {
    printf 'Types: deb\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: %s\n' \
      "$1" "$2" /usr/share/keyrings/debian-archive-keyring.gpg
  }
  rm -f "$root/etc/apt/sources.list"
  { stanza "$MIRROR" "bookworm bookworm-updates"
    if [ -n "$SECURITY_MIRROR" ]; then echo; stanza "$SECURITY_MIRROR" bookworm-security; fi
  } >"$root/etc/apt/sources.list.d/debian.sources"
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/var/log/*.log
  : >"$root/etc/hostname"
  tar --numeric-owner --xattrs -C "$root" -cf "$work/base.tar" .
  mv "$work/base.tar" "$BASE_TAR"
  rm -rf "$work"
  find "$CACHE" -maxdepth 1 -name 'base-*.tar' ! -path "$BASE_TAR" -delete
}

# --- 2. the wheelhouse --------------------------------------------------------------------
make_wheels() {
  local venv="$CACHE/pip-venv"
  log "pip download -r requirements.txt with Debian's python3 $PY_VERSION into $WHEELS"
  rm -rf "$WHEELS" "$venv"
  /usr/bin/python3 -m venv "$venv"
  # Binary wheels only: the image has no compiler.
  "$venv/bin/python" -m pip download --quiet --disable-pip-version-check \
    --only-binary=:all: -r requirements.txt -d "$WHEELS"
  rm -rf "$venv"
  touch "$WHEELS/.complete"
  # A wheelhouse for an older requirements.txt is dead weight.
  find "$CACHE" -maxdepth 1 -name 'wheels-*' ! -name "wheels-$wheel_key" -exec rm -rf {} +
}

# The base's key: the mirrors and this recipe (a change to make_base makes it again).
base_key="$({ printf '%s\n' "$MIRROR" "$SECURITY_MIRROR"; declare -f make_base; } \
             | sha256sum | cut -c1-16)"
BASE_TAR="$CACHE/base-bookworm-minbase-$base_key.tar"
if [ -f "$BASE_TAR" ] && [ -n "$(find "$BASE_TAR" -mtime +"$BASE_MAX_AGE_DAYS")" ]; then
  log "the base is older than $BASE_MAX_AGE_DAYS days: making it again"
  rm -f "$BASE_TAR"
fi
pids=()
[ -f "$BASE_TAR" ] || { make_base & pids+=($!); }
[ -f "$WHEELS/.complete" ] || { make_wheels & pids+=($!); }
for pid in "${pids[@]}"; do wait "$pid" || die "making the base or the wheelhouse failed"; done

# The official image's config (PATH, bash). The tarball's name and time and this config as a
# label: import again only when one of them changed.
IMPORT_CHANGES=('ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
                'CMD ["bash"]')
base_label="$(basename "$BASE_TAR")@$(stat -c %Y "$BASE_TAR")@$(printf '%s\n' "${IMPORT_CHANGES[@]}" | sha256sum | cut -c1-8)"
have="$("${PODMAN[@]}" image inspect --format '{{index .Labels "dendro.base"}}' "$BASE_REF" \
          2>/dev/null || true)"
if [ "$have" != "$base_label" ]; then
  log "podman import $(basename "$BASE_TAR") as $BASE_REF"
  changes=()
  for c in "${IMPORT_CHANGES[@]}" "LABEL dendro.base=$base_label"; do changes+=(--change "$c"); done
  "${PODMAN[@]}" import --quiet "${changes[@]}" "$BASE_TAR" "$BASE_REF" >/dev/null
fi

# --- 3. the build -------------------------------------------------------------------------
log "podman build $IMAGE_TAG (offline, from the wheelhouse)"
"${PODMAN[@]}" build --isolation=chroot --format docker --pull=never \
  --volume "$WHEELS:/wheels:ro" --build-arg WHEELHOUSE=/wheels \
  --tag "$IMAGE_TAG" .
# The previous build's layers that nothing uses any more (the cache keeps the rest).
"${PODMAN[@]}" image prune --force >/dev/null
log "built $IMAGE_TAG; see it with: ${PODMAN[*]} image inspect $IMAGE_TAG"
