#!/usr/bin/env bash
# One idempotent setup step shared by the launcher (./edgesam-video) and the test command (tests/run.sh):
#   1. ffmpeg/ffprobe and libgtk-3-0 (which OpenCvSharp4's native libOpenCvSharpExtern.so links against) from Debian's
#      packages, if missing; for the test command (EDGESAM_BOOTSTRAP_TESTS=1, set by tests/run.sh) also chromium, which
#      the studio's browser tests drive through Playwright;
#   2. restore + Release build of the solution when any source changed since the last build (NuGet brings ONNX Runtime:
#      Microsoft.ML.OnnxRuntime.Gpu.Linux puts libonnxruntime.so and its CUDA/TensorRT providers in each bin/'s
#      runtimes/linux-x64/native/, where the managed package finds them; CPU use needs only glibc and libstdc++).
# A second run finds everything in place and returns in well under a second (plus `find` over the sources).
# Progress goes to stderr so the launcher's stdout stays the tool's own.
set -euo pipefail

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

# 1. ffmpeg, and the shared libraries OpenCV's native build needs at run time (GTK 3 for its highgui module).
apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get install -y -q "$@" >"$native/apt.log" 2>&1 \
    || { as_root apt-get update -q >>"$native/apt.log" 2>&1 && as_root apt-get install -y -q "$@" >>"$native/apt.log" 2>&1; } \
    || die "could not install $* with apt-get (see $native/apt.log); install by hand: apt-get install $*"
}
if ! command -v ffmpeg >/dev/null || ! command -v ffprobe >/dev/null; then
  say "installing ffmpeg (apt)..."
  apt_install ffmpeg
fi
# grep reads all of ldconfig's list (not -q, which quits at the first match and, under pipefail, fails the pipe with
# ldconfig's SIGPIPE, so the library read as missing on every launch).
if ! ldconfig -p 2>/dev/null | grep 'libgtk-3\.so\.0' >/dev/null; then
  say "installing libgtk-3-0 (apt; OpenCV's native library links against it)..."
  apt_install libgtk-3-0
fi

# 1b. chromium, for the tests only (a user of the tool never needs it): Playwright cannot download its own browser here,
#     so the studio's browser tests use Debian's.
if [ "${EDGESAM_BOOTSTRAP_TESTS:-}" = 1 ] && ! command -v chromium >/dev/null; then
  say "installing chromium (apt, for the studio's browser tests)..."
  apt_install chromium
fi

# The npm-fetched ONNX Runtime of earlier versions is no longer used.
rm -rf "$native/onnxruntime"

# 2. Build when sources changed (the stamp is touched only after a successful build).
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

# 3. OpenCV's native library must find every library it links against (checked once per build; ldd is quick).
if [ ! -f "$native/opencv.checked" ] || [ "$stamp" -nt "$native/opencv.checked" ]; then
  so="$root/src/EdgeSam.Video.Cli/bin/Release/net10.0/runtimes/linux-x64/native/libOpenCvSharpExtern.so"
  [ -f "$so" ] || die "the build has no $so (is the OpenCvSharp4 runtime package restored?)"
  missing="$(ldd "$so" 2>/dev/null | awk '/not found/ {print $1}' | tr '\n' ' ')"
  [ -z "$missing" ] || die "libOpenCvSharpExtern.so cannot find: $missing(install the Debian packages providing them)"
  touch "$native/opencv.checked"
fi
