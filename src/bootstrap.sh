#!/usr/bin/env bash
# One idempotent setup step shared by the launcher (./edgesam-video) and the test command (tests/run.sh):
#   1. ffmpeg/ffprobe and libgtk-3-0 (OpenCV's native runtime needs it) from Debian's packages, if missing;
#   2. ONNX Runtime's native library (libonnxruntime.so.1 from npm's onnxruntime-node, pinned, --ignore-scripts)
#      into the git-ignored .native/onnxruntime/;
#   3. restore + Release build of the solution when any source changed since the last build.
# A second run finds everything in place and returns in well under a second (plus `find` over the sources).
# Progress goes to stderr so the launcher's stdout stays the tool's own.
set -euo pipefail

ORT_VERSION=1.30.0
# sha256 of bin/napi-v6/linux/x64/libonnxruntime.so.1 in onnxruntime-node@1.30.0 (x64 Linux, CPU build).
ORT_SHA256=ffb75a925ba05e47b235bb66e3e3911714a80b328a9c9425539feb204aa32a23

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
native="$root/.native"
mkdir -p "$native"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

say() { echo "bootstrap: $*" >&2; }
die() { echo "bootstrap: error: $*" >&2; exit 1; }

# Serialise concurrent launches (two terminals, parallel test hosts) so only one builds.
exec 9>"$native/bootstrap.lock"
flock 9

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }

# 1. ffmpeg
if ! command -v ffmpeg >/dev/null || ! command -v ffprobe >/dev/null; then
  say "installing ffmpeg (apt)..."
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get install -y -q ffmpeg >"$native/apt.log" 2>&1 \
    || { as_root apt-get update -q >>"$native/apt.log" 2>&1 && as_root apt-get install -y -q ffmpeg >>"$native/apt.log" 2>&1; } \
    || die "could not install ffmpeg with apt-get (see $native/apt.log); install it by hand: apt-get install ffmpeg"
fi

# 1b. GTK 3: the native library of OpenCvSharp4.official.runtime.linux-x64 links against libgtk-3.so.0.
if ! ldconfig -p 2>/dev/null | grep -q 'libgtk-3\.so\.0'; then
  say "installing libgtk-3-0 (apt, for OpenCV)..."
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get install -y -q libgtk-3-0 >"$native/apt-gtk.log" 2>&1 \
    || { as_root apt-get update -q >>"$native/apt-gtk.log" 2>&1 && as_root apt-get install -y -q libgtk-3-0 >>"$native/apt-gtk.log" 2>&1; } \
    || die "could not install libgtk-3-0 with apt-get (see $native/apt-gtk.log); install it by hand: apt-get install libgtk-3-0"
fi

# 2. ONNX Runtime native library
ortdir="$native/onnxruntime"
if [ "$(cat "$ortdir/VERSION" 2>/dev/null || true)" != "$ORT_VERSION" ] || [ ! -f "$ortdir/libonnxruntime.so.1" ]; then
  command -v npm >/dev/null || die "npm is needed once to fetch ONNX Runtime (apt-get install npm), or set EDGESAM_ORT_LIB to a libonnxruntime.so.1"
  say "fetching ONNX Runtime $ORT_VERSION (npm onnxruntime-node, --ignore-scripts)..."
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm install --ignore-scripts --no-audit --no-fund --silent "onnxruntime-node@$ORT_VERSION" >/dev/null 2>"$tmp/npm.err") \
    || die "npm install onnxruntime-node@$ORT_VERSION failed: $(tail -n 1 "$tmp/npm.err")"
  so="$tmp/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1"
  [ -f "$so" ] || die "onnxruntime-node@$ORT_VERSION has no bin/napi-v6/linux/x64/libonnxruntime.so.1 (is this x86-64 Linux?)"
  got="$(sha256sum "$so" | cut -d' ' -f1)"
  [ "$got" = "$ORT_SHA256" ] || die "libonnxruntime.so.1 sha256 $got differs from the pinned $ORT_SHA256"
  mkdir -p "$ortdir"
  cp "$so" "$ortdir/libonnxruntime.so.1.tmp" && mv "$ortdir/libonnxruntime.so.1.tmp" "$ortdir/libonnxruntime.so.1"
  echo "$ORT_VERSION" >"$ortdir/VERSION"
fi

# 3. Build when sources changed (the stamp is touched only after a successful build).
stamp="$native/build.stamp"
changed=yes
if [ -f "$stamp" ] && [ -f "$root/src/EdgeSam.Video.Cli/bin/Release/net10.0/edgesam-video.dll" ]; then
  watch=()
  for p in src trackers tests models EdgeSam.Video.sln Directory.Build.props global.json; do
    [ -e "$root/$p" ] && watch+=("$root/$p")
  done
  changed="$(find "${watch[@]}" \( -name bin -o -name obj \) -prune -o -type f -newer "$stamp" -print -quit 2>/dev/null || echo yes)"
fi
if [ -n "$changed" ]; then
  say "building (Release)..."
  touch "$stamp.new"
  log="$native/build.log"
  if ! dotnet build "$root/EdgeSam.Video.sln" -c Release -nologo -v q -clp:ErrorsOnly >"$log" 2>&1; then
    grep -E "error" "$log" | sort -u | head -20 >&2 || true
    die "build failed (full log: $log)"
  fi
  mv "$stamp.new" "$stamp"
fi
