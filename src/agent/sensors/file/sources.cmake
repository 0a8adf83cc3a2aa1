# The file sensor: changes under watched prefixes and reads of sensitive files, from the
# syscall sensor (hub) filtered in the kernel, fanotify as fallback.
list(APPEND VIGIL_AGENT_SOURCES
  sensors/file/file_module.c
  sensors/file/file_events.c
  sensors/file/file_fanotify.c
  sensors/file/file_path.c)
