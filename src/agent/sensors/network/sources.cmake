# The network sensor: connect, accept, bind, listen and DNS queries from the syscall sensor
# (hub), sock_diag polling as fallback.
list(APPEND VIGIL_AGENT_SOURCES
  sensors/network/net_module.c
  sensors/network/net_events.c
  sensors/network/net_diag.c
  sensors/network/net_dns.c)
list(APPEND VIGIL_AGENT_LIBS resolv)
