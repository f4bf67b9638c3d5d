/* entry.S - PVH entry: Xen starts us in 32-bit protected mode, paging off, %ebx = hvm_start_info.
 * We build identity page tables for the low 4 GiB (2 MiB pages, so grant frames mapped at 1 GiB
 * and the special pages near 4 GiB are reachable), switch to long mode and call pvh_main(). */
#include <xen/elfnote.h>

#define CR0_PG   0x80000000
#define CR4_PAE  0x20
#define MSR_EFER 0xc0000080
#define EFER_LME 0x100
#define PTE_P_RW 0x3
#define PTE_PS   0x80

	/* The only note Xen's loader needs for a PVH kernel: the 32-bit physical entry point. */
	.section .note.Xen, "a", @note
	.balign 4
	.long 4, 4, XEN_ELFNOTE_PHYS32_ENTRY
	.asciz "Xen"
	.balign 4
	.long pvh_start32

	.section .text.entry, "ax"
	.code32
	.globl pvh_start32
pvh_start32:
	cli
	cld
	mov %ebx, pvh_start_info_paddr
	mov $boot_stack_top, %esp

	/* 4 page directories of 512 x 2 MiB pages each = 4 GiB identity map */
	xor %ecx, %ecx
1:	mov %ecx, %eax
	shl $21, %eax
	or $(PTE_P_RW | PTE_PS), %eax
	mov %eax, boot_pd(, %ecx, 8)
	mov %ecx, %eax
	shr $11, %eax
	mov %eax, boot_pd + 4(, %ecx, 8)
	inc %ecx
	cmp $2048, %ecx
	jb 1b
	/* PDPT entries 0..3 -> the 4 directories; PML4 entry 0 -> PDPT */
	xor %ecx, %ecx
2:	mov %ecx, %eax
	shl $12, %eax
	add $boot_pd + PTE_P_RW, %eax
	mov %eax, boot_pdpt(, %ecx, 8)
	inc %ecx
	cmp $4, %ecx
	jb 2b
	movl $boot_pdpt + PTE_P_RW, boot_pml4

	mov %cr4, %eax
	or $CR4_PAE, %eax
	mov %eax, %cr4
	mov $boot_pml4, %eax
	mov %eax, %cr3
	mov $MSR_EFER, %ecx
	rdmsr
	or $EFER_LME, %eax
	wrmsr
	mov %cr0, %eax
	or $CR0_PG, %eax
	mov %eax, %cr0
	lgdt boot_gdt_ptr
	ljmp $0x08, $start64

	.code64
start64:
	mov $0x10, %eax
	mov %eax, %ds
	mov %eax, %es
	mov %eax, %ss
	mov %eax, %fs
	mov %eax, %gs
	mov $boot_stack_top, %rsp
	/* Enable SSE (CR0.MP, not EM; CR4.OSFXSR|OSXMMEXCPT): code built elsewhere may use it. */
	mov %cr0, %rax
	and $~0x4, %rax
	or $0x2, %rax
	mov %rax, %cr0
	mov %cr4, %rax
	or $0x600, %rax
	mov %rax, %cr4
	mov pvh_start_info_paddr(%rip), %edi
	call pvh_main
3:	hlt
	jmp 3b

	.section .rodata
	.balign 8
boot_gdt:
	.quad 0
	.quad 0x00af9a000000ffff	/* 0x08: 64-bit code */
	.quad 0x00cf92000000ffff	/* 0x10: data */
boot_gdt_end:
boot_gdt_ptr:
	.word boot_gdt_end - boot_gdt - 1
	.long boot_gdt

	.section .bss
	.balign 4096
	.globl hypercall_page
hypercall_page:			/* Xen writes its 32-byte hypercall stubs here */
	.skip 4096
boot_pml4:
	.skip 4096
boot_pdpt:
	.skip 4096
boot_pd:
	.skip 4 * 4096
boot_stack:
	.skip 65536
boot_stack_top:
	.balign 8
	.globl pvh_start_info_paddr
pvh_start_info_paddr:
	.quad 0
