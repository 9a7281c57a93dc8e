/* Layout of struct trap_frame, shared by crt0.S and C (see rvtest.h). */
#ifndef RVTEST_TRAP_FRAME_H
#define RVTEST_TRAP_FRAME_H

#define TF_MEPC (32 * 8)
#define TF_MCAUSE (33 * 8)
#define TF_MTVAL (34 * 8)
#define TF_MSTATUS (35 * 8)
#define TRAP_FRAME_SIZE (36 * 8)

/* mstatus.FS field (priv spec 3.1.6.6): 1 = Initial, 3 = Dirty. */
#define MSTATUS_FS_INITIAL (1 << 13)
#define MSTATUS_FS_MASK (3 << 13)

#endif
