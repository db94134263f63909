#!/usr/bin/env bash
# Debian packages the raster backend needs (Mesa's EGL: headless OpenGL on the CPU or a GPU).
# Installs only what is missing; needs root (or sudo) only then.
set -euo pipefail
packages=(libegl1 libegl-mesa0 libgl1-mesa-dri)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
echo "installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
