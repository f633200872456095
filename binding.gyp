{
  "targets": [
    {
      "target_name": "lifeboat_native",
      "sources": ["native/lifeboat.c"],
      "cflags": ["-O3", "-std=c11", "-Wall", "-Wextra"],
      "defines": ["_GNU_SOURCE", "NAPI_VERSION=8"]
    }
  ]
}
