# mk/config.mk - compilers, flags and shared variables for every fragment.
BUILD      ?= build
CC         ?= gcc
CLANG      ?= clang
PYTHON     ?= python3
# Xen's public headers as of 4.14; a library under test may ask for another (TARGET_XEN_INTERFACE).
XEN_IFACE_VERSION := 0x00040e00
XEN_IFACE  := -D__XEN_INTERFACE_VERSION__=$(XEN_IFACE_VERSION)
WARN       := -Wall -Wextra -Werror=implicit-function-declaration -Wno-unused-parameter
# Hosted code (harness, peer, tests)
HOST_CFLAGS := -std=gnu11 -O2 -g $(WARN) $(XEN_IFACE) -Igrants/include -Iharness -Iharness/workload -Iharness/devices
# Freestanding code (grants/ archive, PVH guest): compiler headers only, Xen's public headers after.
FREE_CFLAGS = -std=gnu11 -O2 -g $(WARN) $(XEN_IFACE) -ffreestanding -fno-builtin -nostdinc \
              -isystem $(shell $(1) -print-file-name=include) -idirafter /usr/include -Igrants/include
SAN_FLAGS  := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
GRANTS_SRCS := $(sort $(wildcard grants/src/*.c))
