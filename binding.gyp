{
  "targets": [
    {
      "target_name": "lifeboat_native",
      "sources": ["native/lifeboat.c", "native/napi-util.c", "native/poly1305.c", "native/cipher.c", "native/fs-calls.c", "native/lane.c", "native/lane-pack.c", "native/lane-js.c", "native/lane-thread.c", "native/chunker.c", "native/scan.c", "native/write-files.c", "native/verify-pack.c", "native/pack-verifier.c", "native/verify-file.c", "native/index-scan.c", "native/json-in.c", "native/tree-scan.c", "native/open-unpacked.c", "native/open-blob.c", "native/sort-rows.c", "native/scrypt.c"],
      "cflags": ["-O3", "-std=c11", "-Wall", "-Wextra"],
      "defines": ["_GNU_SOURCE", "NAPI_VERSION=8"],
      "dependencies": [
        "<!(node -p \"require('path').join(require('path').dirname(require.resolve('zstd-napi/package.json')), 'deps', 'zstd.gyp')\"):libzstd"
      ]
    }
  ]
}
