#!/usr/bin/env bash
# Bundles Debian's ffmpeg and ffprobe for the Functions package: the two programs, every shared library they load
# (found the way the loader finds them, transitively), and the loader itself. Azure has no ffmpeg of its own, and
# Debian's build is the one that still gets security fixes. Started through the bundled loader, the programs use
# nothing from the machine's /usr/lib, so the glibc of Azure's image does not matter.
#
#   eng/bundle-ffmpeg.sh OUTPUT_FOLDER
#
# OUTPUT_FOLDER gets bin/ (ffmpeg, ffprobe), lib/ (the libraries under the names the programs ask for, and
# ld-linux-x86-64.so.2), copyright/ (Debian's licence file of every package a file came from), MANIFEST.txt (the
# Debian package and version of every file) and SHA256SUMS. When the installed packages have not changed since the
# last run, the folder is left as it is.
set -euo pipefail
LC_ALL=C
export LC_ALL
out=${1:?usage: eng/bundle-ffmpeg.sh OUTPUT_FOLDER}
die() { printf 'bundle-ffmpeg: error: %s\n' "$*" >&2; exit 1; }

[ "$(uname -s) $(uname -m)" = "Linux x86_64" ] ||
  die "the Functions package carries Debian's x86-64 ffmpeg, so it is published on Linux x86-64 (Debian 12), not on $(uname -s) $(uname -m)"
command -v dpkg-query >/dev/null 2>&1 ||
  die "publishing needs Debian's ffmpeg package, and this machine has no dpkg: publish on Debian 12 after 'sudo apt-get install ffmpeg'"
tools=(/usr/bin/ffmpeg /usr/bin/ffprobe)
if [ "$(dpkg-query -W -f='${db:Status-Status}' ffmpeg 2>/dev/null)" != installed ] || [ ! -x "${tools[0]}" ] || [ ! -x "${tools[1]}" ]; then
  die "Debian's ffmpeg is not installed, and the Functions package ships it: sudo apt-get install ffmpeg"
fi

loader=$(readelf -l "${tools[0]}" | sed -n 's/.*\[Requesting program interpreter: \(.*\)\]/\1/p')
[ "$(basename "$loader")" = ld-linux-x86-64.so.2 ] || die "unexpected program interpreter '$loader' in ${tools[0]}"

# name path: every library the loader would map, under the name it is asked for (its soname).
libraries=$(ldd "${tools[@]}" | awk '
  $2 == "=>" && $3 == "not" { print "missing " $1; next }
  $2 == "=>" && $3 ~ /^\// { print $1, $3 }' | sort -u)
missing=$(awk '$1 == "missing" { print $2 }' <<<"$libraries")
[ -z "$missing" ] || die "ffmpeg needs libraries this machine lacks (a broken install?): $missing"

files=$(mktemp)
trap 'rm -f "$files"' EXIT
# file path: what goes where in the bundle, and where it comes from.
entries=$(
  for tool in "${tools[@]}"; do printf 'bin/%s %s\n' "$(basename "$tool")" "$tool"; done
  printf 'lib/ld-linux-x86-64.so.2 %s\n' "$loader"
  while read -r name path; do printf 'lib/%s %s\n' "$name" "$path"; done <<<"$libraries"
)

# The Debian package each file comes from, asked in one query (dpkg-query is slow to start). With merged /usr a file
# may be registered under /lib or /usr/lib, and a library reached through /etc/alternatives under its real path.
candidates() { local real; real=$(readlink -f "$1"); printf '%s\n' "$1" "$real" "/usr$real" "${real#/usr}"; }
declare -A owner_of=()
while IFS= read -r line; do
  case $line in diversion*) continue ;; esac
  owner_of[${line#*: }]=${line%%: *}
done < <(while read -r _ path; do candidates "$path"; done <<<"$entries" | sort -u | xargs -d '\n' dpkg-query -S 2>/dev/null || true)
while read -r file path; do
  package=""
  mapfile -t names < <(candidates "$path")
  for candidate in "${names[@]}"; do package=${owner_of[$candidate]:-}; [ -z "$package" ] || break; done
  [ -n "$package" ] || die "no Debian package owns $path: only files from Debian packages are bundled, so that each one's version is known"
  printf '%s %s\n' "$file" "$package"
done <<<"$entries" >"$files"

packages=$(awk '{ print $2 }' "$files" | sort -u)
. /etc/os-release
manifest=$(
  printf '# Debian %s ffmpeg, bundled by eng/bundle-ffmpeg.sh for the Offload Functions package.\n' "$VERSION_ID ($VERSION_CODENAME)"
  printf '# Security status of a version: https://security-tracker.debian.org/tracker/source-package/ffmpeg\n'
  printf '# Sources of every package below: apt-get source <package>=<version>, or https://snapshot.debian.org\n'
  printf 'ffmpeg %s\n\n' "$(dpkg-query -W -f='${Version}' ffmpeg)"
  printf '# package version (every package a bundled file comes from)\n'
  # shellcheck disable=SC2086
  dpkg-query -W -f='${binary:Package} ${Version}\n' $packages | sort
  printf '\n# file package\n'
  cat "$files"
)
rm -f "$files"

if [ -f "$out/MANIFEST.txt" ] && [ "$(cat "$out/MANIFEST.txt")" = "$manifest" ] && (cd "$out" && sha256sum --quiet -c SHA256SUMS) >/dev/null 2>&1; then
  exit 0
fi

# Build beside, then swap in: an interrupted run never leaves a half bundle that looks complete.
staging="$out.tmp"
rm -rf "$staging"
mkdir -p "$staging/bin" "$staging/lib" "$staging/copyright"
for tool in "${tools[@]}"; do cp -L "$tool" "$staging/bin/"; done
cp -L "$loader" "$staging/lib/ld-linux-x86-64.so.2"
while read -r name path; do cp -L "$path" "$staging/lib/$name"; done <<<"$libraries"
chmod 0644 "$staging/lib/"*
chmod 0755 "$staging/bin/"* "$staging/lib/ld-linux-x86-64.so.2"

# Debian's copyright file of every package: the licence terms (GPL-2+ for this ffmpeg build, LGPL and others for
# the libraries) travel with the binaries.
for package in $packages; do
  name=${package%%:*}
  [ -f "/usr/share/doc/$name/copyright" ] ||
    die "/usr/share/doc/$name/copyright is missing (a docs-less image?): the package must carry the licence of everything it ships; reinstall $name with its docs"
  cp -L "/usr/share/doc/$name/copyright" "$staging/copyright/$name"
done
cat >"$staging/LICENSE.txt" <<'NOTE'
This folder holds Debian's ffmpeg and ffprobe, built with --enable-gpl: they are licensed under the GNU General
Public License, version 2 or later. The libraries in lib/ are Debian's packages under their own licences (LGPL,
GPL, BSD, MIT and others). copyright/ holds Debian's copyright file of every package a file here comes from, and
MANIFEST.txt names each package and its exact version; the corresponding sources are in Debian's archive
(apt-get source <package>=<version>, or https://snapshot.debian.org).
NOTE
printf '%s\n' "$manifest" >"$staging/MANIFEST.txt"
(cd "$staging" && find . -type f ! -name SHA256SUMS -printf '%P\n' | sort | xargs -d '\n' sha256sum >SHA256SUMS)

rm -rf "$out"
mv "$staging" "$out"
