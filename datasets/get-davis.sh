#!/usr/bin/env bash
# Fetches the DAVIS video object segmentation benchmark (davischallenge.org) into DEST/DAVIS2016 and DEST/DAVIS2017,
# the layouts EdgeSam.Video's DavisDataset reads. Downloads go to a .part file and are renamed when complete; archives
# are tested and unpacked into a temporary folder that is renamed into place only after the expected layout is found,
# so an interrupted run never leaves a folder that looks complete. Re-running skips what is already in place.
#
#   datasets/get-davis.sh [--year 2016|2017|all] [--dest DIR] [--full-resolution] [--mirror DIR [--copy]] [--keep-zip]
#
#   --year             which edition (default: all)
#   --dest DIR         where DAVIS2016/ and DAVIS2017/ go (default: datasets/data beside this script, git-ignored)
#   --full-resolution  DAVIS 2017: also fetch the Full-Resolution frames/annotations (large) into the same tree
#   --mirror DIR       no network: take DIR/DAVIS2016, DIR/DAVIS2017 (unpacked trees, e.g. ../shared/datasets) or
#                      the official zip files found in DIR; trees are symlinked unless --copy
#   --keep-zip         keep downloaded archives in DEST/downloads
set -euo pipefail

BASE_URL="https://data.vision.ee.ethz.ch/csergi/share/davis"
ZIP_2016="DAVIS-data.zip"                         # DAVIS 2016: 480p + 1080p, 0/255 annotations, ImageSets/480p
ZIP_2017="DAVIS-2017-trainval-480p.zip"           # DAVIS 2017 train+val, 480p, palette annotations, ImageSets/2017
ZIP_2017_FULL="DAVIS-2017-trainval-Full-Resolution.zip"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
year=all dest="$here/data" mirror="" copy=no keep=no full=no

die() { echo "get-davis: error: $*" >&2; exit 1; }
say() { echo "get-davis: $*" >&2; }

while [ $# -gt 0 ]; do
  case "$1" in
    --year) [ $# -ge 2 ] || die "--year needs 2016, 2017 or all"; year="$2"; shift 2 ;;
    --dest) [ $# -ge 2 ] || die "--dest needs a folder"; dest="$2"; shift 2 ;;
    --mirror) [ $# -ge 2 ] || die "--mirror needs a folder"; mirror="$2"; shift 2 ;;
    --copy) copy=yes; shift ;;
    --keep-zip) keep=yes; shift ;;
    --full-resolution) full=yes; shift ;;
    -h|--help) sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option '$1' (see --help)" ;;
  esac
done
case "$year" in 2016|2017|all) ;; *) die "--year must be 2016, 2017 or all, not '$year'" ;; esac
[ -z "$mirror" ] || [ -d "$mirror" ] || die "mirror folder '$mirror' not found"
mkdir -p "$dest"
dest="$(cd "$dest" && pwd)"

# layout_ok EDITION DIR: the files DavisDataset needs first.
layout_ok() {
  local d="$2"
  [ -d "$d/JPEGImages/480p" ] && [ -d "$d/Annotations/480p" ] || return 1
  if [ "$1" = 2016 ]; then [ -f "$d/ImageSets/480p/val.txt" ]; else [ -f "$d/ImageSets/2017/val.txt" ]; fi
}

# fetch NAME: prints the path of the archive NAME, from the mirror or downloaded to DEST/downloads.
fetch() {
  local name="$1"
  if [ -n "$mirror" ]; then
    [ -f "$mirror/$name" ] || die "$name is not in mirror '$mirror' (neither the unpacked tree nor the zip is there)"
    echo "$mirror/$name"; return
  fi
  local dl="$dest/downloads"; mkdir -p "$dl"
  if [ ! -f "$dl/$name" ]; then
    say "downloading $BASE_URL/$name ..."
    if command -v curl >/dev/null; then
      curl -fL --retry 3 -C - -o "$dl/$name.part" "$BASE_URL/$name" || die "download of $name failed (re-run to resume)"
    elif command -v wget >/dev/null; then
      wget -c -O "$dl/$name.part" "$BASE_URL/$name" || die "download of $name failed (re-run to resume)"
    else
      die "curl or wget is needed to download"
    fi
    mv "$dl/$name.part" "$dl/$name"
  fi
  echo "$dl/$name"
}

# unpack ZIP TARGET EDITION: the zips hold a single DAVIS/ folder; it becomes TARGET.
unpack() {
  local zip="$1" target="$2" edition="$3" tmp
  command -v unzip >/dev/null || die "'unzip' is needed to unpack $zip (apt-get install unzip)"
  unzip -tq "$zip" >/dev/null || die "$zip is damaged (unzip -t failed); delete it and re-run"
  tmp="$(mktemp -d "$dest/.unpack-XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  say "unpacking $(basename "$zip") ..."
  unzip -q "$zip" -d "$tmp"
  local top="$tmp/DAVIS"; [ -d "$top" ] || top="$tmp"
  if [ -d "$target" ]; then
    # Adding Full-Resolution to an existing tree: merge the new resolution folders in.
    cp -a "$top/." "$target/"
  else
    layout_ok "$edition" "$top" || die "$(basename "$zip") does not have the expected DAVIS $edition layout"
    mv "$top" "$target"
  fi
  rm -rf "$tmp"; trap - EXIT
  [ "$keep" = yes ] || [ -n "$mirror" ] || rm -f "$zip"
}

get() {
  local edition="$1" zip="$2" target="$dest/DAVIS$1"
  if layout_ok "$edition" "$target"; then say "DAVIS $edition already in $target"; return; fi
  [ ! -e "$target" ] || die "$target exists but is incomplete; remove it and re-run"
  if [ -n "$mirror" ] && layout_ok "$edition" "$mirror/DAVIS$edition"; then
    local src; src="$(cd "$mirror/DAVIS$edition" && pwd)"
    if [ "$copy" = yes ]; then
      say "copying $src -> $target"
      cp -a "$src" "$target.tmp-$$" && chmod -R u+w "$target.tmp-$$" && mv "$target.tmp-$$" "$target"
    else
      say "linking $target -> $src"
      ln -s "$src" "$target"
    fi
    return
  fi
  local archive
  archive="$(fetch "$zip")"
  unpack "$archive" "$target" "$edition"
  say "DAVIS $edition ready in $target"
}

[ "$year" = 2017 ] || get 2016 "$ZIP_2016"
if [ "$year" != 2016 ]; then
  get 2017 "$ZIP_2017"
  if [ "$full" = yes ]; then
    if [ -d "$dest/DAVIS2017/JPEGImages/Full-Resolution" ]; then say "Full-Resolution already present"
    else archive="$(fetch "$ZIP_2017_FULL")"; unpack "$archive" "$dest/DAVIS2017" 2017; fi
  fi
fi
say "done: $dest"
