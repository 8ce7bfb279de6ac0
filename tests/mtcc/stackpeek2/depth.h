/* depth.h: the recursion whose depth depth.c measures from main's local. */
#ifndef DEPTH_H
#define DEPTH_H

extern char *stack_start;
long walk(int n);

#endif
