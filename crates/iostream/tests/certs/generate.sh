#!/bin/sh
# Generates the TLS fixtures the iostream tests use; run once, commit the
# output. A private CA signs a server certificate for foo.example.com,
# localhost and 127.0.0.1 (ECDSA P-256, PKCS#8 keys, valid for 100 years).
# The tests trust ca.crt and check that a name outside the certificate
# (bar.example.com) is refused.
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/ca.ec"
openssl pkcs8 -topk8 -nocrypt -in "$tmp/ca.ec" -out ca.key
openssl req -x509 -new -key ca.key -sha256 -days 36500 \
    -subj "/CN=tornado-rs test CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out ca.crt

openssl ecparam -name prime256v1 -genkey -noout -out "$tmp/server.ec"
openssl pkcs8 -topk8 -nocrypt -in "$tmp/server.ec" -out server.key
openssl req -new -key server.key -subj "/CN=foo.example.com" -out "$tmp/server.csr"
cat > "$tmp/ext.cnf" <<EXT
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:foo.example.com,DNS:localhost,IP:127.0.0.1
EXT
openssl x509 -req -in "$tmp/server.csr" -CA ca.crt -CAkey ca.key \
    -CAcreateserial -CAserial "$tmp/ca.srl" -sha256 -days 36500 \
    -extfile "$tmp/ext.cnf" -out server.crt
