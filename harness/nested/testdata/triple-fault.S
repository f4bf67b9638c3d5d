/* a PVH "kernel" that triple-faults at its first instruction (no IDT): a guest that dies before
 * any device connects */
	.section .note.Xen, "a"
	.align 4
	.long 4, 4, 18          /* namesz, descsz, XEN_ELFNOTE_PHYS32_ENTRY */
	.asciz "Xen"
	.align 4
	.long _start
	.text
	.code32
	.globl _start
_start:
	ud2
