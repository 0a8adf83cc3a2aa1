# The kernel sensor: module loads, mounts, BPF program loads, from the syscall sensor (hub).
list(APPEND VIGIL_AGENT_SOURCES sensors/kernel/kernel_module.c)
