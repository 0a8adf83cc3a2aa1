# The process sensor: eBPF (sched_process_fork/exec/exit) with the proc connector as fallback.
vigil_bpf_skeleton(process_bpf ${CMAKE_CURRENT_LIST_DIR}/process.bpf.c
                   ${CMAKE_CURRENT_LIST_DIR}/process_event.h
                   ${CMAKE_CURRENT_LIST_DIR}/../hub/common.bpf.h)
list(APPEND VIGIL_AGENT_SKELETONS process_bpf_skel)
list(APPEND VIGIL_AGENT_SOURCES
  sensors/process/process_module.c
  sensors/process/process_ebpf.c
  sensors/process/process_procconn.c
  sensors/process/process_decode.c
  sensors/process/process_events.c
  sensors/process/process_actions.c
  sensors/process/process_text.c
  sensors/process/procfs.c)
