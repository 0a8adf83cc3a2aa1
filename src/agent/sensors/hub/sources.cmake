# The eBPF hub: the ring buffer every sensor writes into, its reader thread, and the syscall
# sensor (sys.bpf.c) that serves the process-action, network, file and kernel families.
vigil_bpf_skeleton(sys_bpf ${CMAKE_CURRENT_LIST_DIR}/sys.bpf.c
                   ${CMAKE_CURRENT_LIST_DIR}/sys_event.h ${CMAKE_CURRENT_LIST_DIR}/common.bpf.h
                   ${CMAKE_CURRENT_SOURCE_DIR}/sensors/process/process_event.h)
list(APPEND VIGIL_AGENT_SKELETONS sys_bpf_skel)
list(APPEND VIGIL_AGENT_SOURCES
  sensors/hub/hub.c
  sensors/hub/sys_decode.c
  sensors/hub/sys_context.c
  sensors/hub/sys_load.c)
