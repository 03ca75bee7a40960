#ifndef TH_TIMING_MARKERS_H
#define TH_TIMING_MARKERS_H

void th_timing_region_begin(void);
void th_timing_region_end(void);

#endif /* TH_TIMING_MARKERS_H */
