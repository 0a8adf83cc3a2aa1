# Vigil: the two commands of the README, and a few conveniences.
#   make run   install what is missing, build, start vigil-server and one vigil-agent
#   make test  install what the tests need, build, run the whole suite
.PHONY: run test stop build clean

run:
	scripts/run.sh

test:
	scripts/test.sh

stop:
	scripts/stop.sh

build:
	scripts/install-deps.sh build
	cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build build -j$$(nproc)

clean:
	rm -rf build build-asan build.*.log build-asan.*.log
