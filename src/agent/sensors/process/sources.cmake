# The process sensor: eBPF (sched_process_fork/exec/exit) with the proc connector as fallback.
vigil_bpf_skeleton(process_bpf ${CMAKE_CURRENT_LIST_DIR}/process.bpf.c
                   ${CMAKE_CURRENT_LIST_DIR}/process_event.h)
list(APPEND VIGIL_AGENT_SKELETONS process_bpf_skel)
list(APPEND VIGIL_AGENT_SOURCES
  sensors/process/process_module.c)
