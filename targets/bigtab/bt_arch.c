/* bt_arch.c - bigtab's barriers. In the kernel bigtab comes from they are instructions in an
 * assembly file, which gntfuzz's compiler pass cannot see into; this shim stands for that file and
 * tells the world's CPU model what each one orders (seam_fence: the real barrier in builds without
 * the world's hooks). It is adapter code (target.mk: TARGET_ADAPTER_SOURCES). */
#include "bigtab.h"
#include "seam.h"

void bt_wmb(void)
{
	seam_fence(SEAM_FENCE_STORE); /* sfence / dmb ishst */
}

void bt_mb(void)
{
	seam_fence(SEAM_FENCE_FULL); /* mfence / dmb ish */
}
