#!/bin/sh
# Regenerates the test certificates in this directory. The PEM files are
# committed, so tests never run this; run it by hand only if they expire
# (in 2125) or need new extensions.
#
#   ca.pem / ca.key          a test CA
#   server.pem / server.key  leaf for localhost, 127.0.0.1 and ::1, signed by the CA
#   server-combined.pem      server.pem followed by server.key (keyfile = None)
#   client.pem / client.key  client-auth leaf, signed by the CA
#   other-ca.pem             an unrelated CA, for "unknown issuer" tests
set -eu
cd "$(dirname "$0")"
DAYS=36500
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

cat > "$tmp/ca.ext" <<'EXT'
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
EXT
cat > "$tmp/server.ext" <<'EXT'
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
authorityKeyIdentifier = keyid
EXT
cat > "$tmp/client.ext" <<'EXT'
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
authorityKeyIdentifier = keyid
EXT

key ca.key
openssl req -new -key ca.key -subj "/CN=tornado-rs test CA" -out "$tmp/ca.csr"
openssl x509 -req -in "$tmp/ca.csr" -signkey ca.key -days $DAYS -extfile "$tmp/ca.ext" -out ca.pem 2>/dev/null

leaf() { # name subject extfile
    key "$1.key"
    openssl req -new -key "$1.key" -subj "$2" -out "$tmp/$1.csr"
    openssl x509 -req -in "$tmp/$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial \
        -CAserial "$tmp/ca.srl" -days $DAYS -extfile "$3" -out "$1.pem" 2>/dev/null
}
leaf server "/CN=localhost" "$tmp/server.ext"
leaf client "/CN=tornado-rs test client" "$tmp/client.ext"
cat server.pem server.key > server-combined.pem

key "$tmp/other.key"
openssl req -new -key "$tmp/other.key" -subj "/CN=unrelated CA" -out "$tmp/other.csr"
openssl x509 -req -in "$tmp/other.csr" -signkey "$tmp/other.key" -days $DAYS \
    -extfile "$tmp/ca.ext" -out other-ca.pem 2>/dev/null
rm ca.key
