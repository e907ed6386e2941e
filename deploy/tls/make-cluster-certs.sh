#!/usr/bin/env bash
# Makes the files of remoting TLS (docs/operations.md, "TLS") with openssl >= 1.1.1:
#   ca.crt, ca.key             the cluster CA: its certificate goes to every node, its key stays offline
#   node.pfx, node.pfx.password a node certificate signed by that CA (serverAuth + clientAuth), PKCS#12
# Usage: make-cluster-certs.sh <out-dir> [node-name=expecto-node] [days=365]
# With an existing <out-dir>/ca.key it only issues a new node certificate from that CA (renewal, more nodes).
set -euo pipefail
out="${1:?usage: make-cluster-certs.sh <out-dir> [node-name] [days]}"
name="${2:-expecto-node}"
days="${3:-365}"
mkdir -p "$out"
cd "$out"
umask 077

if [ ! -f ca.key ]; then
  openssl req -x509 -newkey rsa:3072 -sha256 -days 1825 -nodes -keyout ca.key -out ca.crt \
    -subj "/CN=expecto cluster CA" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
fi

cat > node.ext <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=DNS:$name
EXT
openssl req -newkey rsa:3072 -sha256 -nodes -keyout node.key -out node.csr -subj "/CN=$name" 2>/dev/null
openssl x509 -req -in node.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days "$days" -sha256 \
  -extfile node.ext -out node.crt 2>/dev/null
openssl rand -hex 24 > node.pfx.password
openssl pkcs12 -export -in node.crt -inkey node.key -certfile ca.crt -name "$name" \
  -out node.pfx -passout file:node.pfx.password
rm -f node.key node.csr node.ext
echo "wrote $out/{ca.crt,ca.key,node.pfx,node.pfx.password,node.crt}; keep ca.key offline"
