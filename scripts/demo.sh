#!/usr/bin/env bash
# The seed example of OInt's documentation (UpdateProductImages) on the embedded sandbox.
source "$(dirname "$0")/_venv.sh"
export OINT_SANDBOX_DB="${OINT_SANDBOX_DB:-$ROOT/.sandbox/demo.sqlite3}"
oint ozon ОбновитьИзображенияТовара --clientid "2128753" --apikey "7cc90d26-33e4-499b..." \
  --productid "1111588191" \
  --images "['https://github.com/Bayselonarrend/OpenIntegrations/raw/main/service/test_data/picture.jpg','https://github.com/Bayselonarrend/OpenIntegrations/raw/main/service/test_data/picture2.jpg']" \
  --color "GREEN" --sandbox
