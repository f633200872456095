{
  "targets": [
    {
      "target_name": "lifeboat_native",
      "sources": ["native/lifeboat.c", "native/lane.c", "native/lane-js.c", "native/chunker.c", "native/scan.c"],
      "cflags": ["-O3", "-std=c11", "-Wall", "-Wextra"],
      "defines": ["_GNU_SOURCE", "NAPI_VERSION=8"],
      "dependencies": [
        "<!(node -p \"require('path').join(require('path').dirname(require.resolve('zstd-napi/package.json')), 'deps', 'zstd.gyp')\"):libzstd"
      ]
    }
  ]
}
