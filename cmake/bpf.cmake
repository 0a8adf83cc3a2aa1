# Build rules for eBPF sensors: vmlinux.h from the running kernel's BTF, then for each sensor
# one pattern: foo.bpf.c --clang -target bpf--> foo.bpf.o --bpftool gen skeleton--> foo.skel.h.
# The object is CO-RE: relocated against the target kernel's BTF at load time.

find_program(BPF_CLANG NAMES clang clang-16 clang-15 clang-14 REQUIRED)
find_program(BPFTOOL NAMES bpftool PATHS /usr/sbin /usr/local/sbin REQUIRED)

set(VIGIL_VMLINUX_BTF "/sys/kernel/btf/vmlinux" CACHE FILEPATH "BTF used to generate vmlinux.h")
set(BPF_GEN_DIR "${CMAKE_BINARY_DIR}/bpf")
file(MAKE_DIRECTORY "${BPF_GEN_DIR}")

if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|amd64")
  set(BPF_TARGET_ARCH x86)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64")
  set(BPF_TARGET_ARCH arm64)
else()
  set(BPF_TARGET_ARCH ${CMAKE_SYSTEM_PROCESSOR})
endif()

add_custom_command(
  OUTPUT "${BPF_GEN_DIR}/vmlinux.h"
  COMMAND ${BPFTOOL} btf dump file ${VIGIL_VMLINUX_BTF} format c > "${BPF_GEN_DIR}/vmlinux.h"
  COMMENT "Generating vmlinux.h from ${VIGIL_VMLINUX_BTF}"
  VERBATIM)
add_custom_target(vmlinux_h DEPENDS "${BPF_GEN_DIR}/vmlinux.h")

# vigil_bpf_skeleton(NAME SOURCE [HEADERS...]): builds NAME.bpf.o and NAME.skel.h in BPF_GEN_DIR
function(vigil_bpf_skeleton name src)
  set(obj "${BPF_GEN_DIR}/${name}.bpf.o")
  set(skel "${BPF_GEN_DIR}/${name}.skel.h")
  get_filename_component(src_abs "${src}" ABSOLUTE)
  get_filename_component(src_dir "${src_abs}" DIRECTORY)
  add_custom_command(
    OUTPUT "${obj}"
    COMMAND ${BPF_CLANG} -g -O2 -target bpf -D__TARGET_ARCH_${BPF_TARGET_ARCH}
            -Wall -Werror -Wno-unused-function
            -I${BPF_GEN_DIR} -I${src_dir} -I${CMAKE_SOURCE_DIR}/src
            -c ${src_abs} -o ${obj}
    DEPENDS "${src_abs}" "${BPF_GEN_DIR}/vmlinux.h" ${ARGN}
    COMMENT "BPF ${name}"
    VERBATIM)
  add_custom_command(
    OUTPUT "${skel}"
    COMMAND ${BPFTOOL} gen skeleton ${obj} name ${name} > ${skel}
    DEPENDS "${obj}"
    COMMENT "BPF skeleton ${name}"
    VERBATIM)
  add_custom_target(${name}_skel DEPENDS "${skel}")
  add_dependencies(${name}_skel vmlinux_h)
endfunction()
