/*
 * Peer for agents/bench/suffix.ts: sorts the suffixes of one file with libdivsufsort
 * (Debian libdivsufsort-dev) on one core and prints "<seconds> <peak RSS bytes> <checksum>".
 * The checksum (sum of SA[i] * (i + 1) mod 2^64) lets the bench compare it with the TS result.
 * Build: cc -O2 -o harness divsufsort_harness.c -ldivsufsort
 */
#include <divsufsort.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s <file>\n", argv[0]);
    return 2;
  }
  FILE *file = fopen(argv[1], "rb");
  if (file == NULL) {
    perror("fopen");
    return 1;
  }
  fseek(file, 0, SEEK_END);
  long n = ftell(file);
  fseek(file, 0, SEEK_SET);
  sauchar_t *text = malloc(n > 0 ? n : 1);
  saidx_t *sa = malloc(sizeof(saidx_t) * (n > 0 ? n : 1));
  if (text == NULL || sa == NULL || fread(text, 1, n, file) != (size_t)n) {
    fprintf(stderr, "cannot read %s\n", argv[1]);
    return 1;
  }
  fclose(file);
  struct timespec start, end, cpuStart, cpuEnd;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpuStart);
  clock_gettime(CLOCK_MONOTONIC, &start);
  if (divsufsort(text, sa, (saidx_t)n) != 0) {
    fprintf(stderr, "divsufsort failed\n");
    return 1;
  }
  clock_gettime(CLOCK_MONOTONIC, &end);
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &cpuEnd);
  uint32_t checksum = 0;
  for (long i = 0; i < n; i++) checksum = checksum * 31u + (uint32_t)sa[i];
  struct rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  double seconds = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;
  double cpu = (double)(cpuEnd.tv_sec - cpuStart.tv_sec) + (double)(cpuEnd.tv_nsec - cpuStart.tv_nsec) / 1e9;
  printf("%.6f %.6f %ld %u\n", seconds, cpu, usage.ru_maxrss * 1024L, checksum);
  return 0;
}
