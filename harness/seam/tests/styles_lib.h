/* styles_lib.h - the idioms styles_lib.c can be switched to (test_models.c picks them). */
#ifndef STYLES_LIB_H
#define STYLES_LIB_H

enum end_style { END_ATOMIC, END_SYNC, END_ASM, END_SYNC_IGNORED, END_ASM_IGNORED, END_STYLES };
enum mb_style {
	MB_ASM_MFENCE, MB_C11, MB_SYNC, MB_SEAM_FENCE, MB_ASM_LOCKED_ADD, /* full barriers */
	MB_ASM_SFENCE, MB_COMPILER, MB_NONE,                              /* not full barriers */
	MB_STYLES
};
enum wmb_style { WMB_ASM_SFENCE, WMB_C11_RELEASE, WMB_SEAM_FENCE, WMB_COMPILER, WMB_STYLES };

struct styles {
	int end_v1;    /* enum end_style */
	int v2_mb;     /* enum mb_style: between the v2 header clear and the status read */
	int publish;   /* enum wmb_style: between an entry's contents and its flags */
};
extern struct styles styles_pick;

#endif
