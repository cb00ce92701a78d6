#!/usr/bin/env bash
# Prepare lindera's ko-dic dictionary cache without network access.
#
# lindera's `embed-ko-dic` feature downloads the mecab-ko-dic source when it builds. On a
# closed network that fails, so this script builds the cache that lindera-ko-dic's build
# script embeds instead (.cargo/config.toml points LINDERA_BUILD_DICTIONARY_CACHE_DIR at
# .lindera-cache). Run it once per checkout, before any cargo build or test.
#
# usage: scripts/ko-dic-offline.sh [TARBALL] [--force]
#   TARBALL  mecab-ko-dic-2.1.1-20180720.tar.gz (default: $KO_DIC_DIR or ../shared/ko-dic)
#   The builder program is taken from the directory holding the tarball, or from
#   $KO_DIC_BUILDER (a directory with lindera-kodic-builder's Cargo.toml).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

tarball=""
force=()
for arg in "$@"; do
  case "$arg" in
    --force) force=(--force) ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) tarball=$arg ;;
  esac
done

dic_dir=${KO_DIC_DIR:-$root/../shared/ko-dic}
if [ -z "$tarball" ]; then
  tarball=$dic_dir/mecab-ko-dic-2.1.1-20180720.tar.gz
fi
if [ ! -f "$tarball" ]; then
  echo "ko-dic-offline: no mecab-ko-dic tarball at $tarball (pass its path as the first argument)" >&2
  exit 2
fi
tarball=$(cd "$(dirname "$tarball")" && pwd)/$(basename "$tarball")
builder=${KO_DIC_BUILDER:-$(dirname "$tarball")/lindera-kodic-builder}
if [ ! -f "$builder/Cargo.toml" ]; then
  echo "ko-dic-offline: no lindera-kodic-builder at $builder (set KO_DIC_BUILDER)" >&2
  exit 2
fi

expected=e73b678e9efbec7c009995945070dacd9ce6e1d9ce38f7af87ed06cec47dd746
if command -v sha256sum >/dev/null; then
  actual=$(sha256sum "$tarball" | cut -d' ' -f1)
  if [ "$actual" != "$expected" ]; then
    echo "ko-dic-offline: $tarball has sha256 $actual, expected $expected" >&2
    exit 2
  fi
fi

echo "ko-dic-offline: building the lindera ko-dic cache in .lindera-cache from $tarball" >&2
cargo run --locked --release --quiet \
  --manifest-path "$builder/Cargo.toml" \
  --target-dir target/lindera-kodic-builder -- \
  --tarball "$tarball" \
  --project Cargo.toml --cache-dir .lindera-cache "${force[@]}"
echo "ko-dic-offline: done; cargo build and cargo test now work offline" >&2
