# Formatting, vet, and the root module's tests with the race detector.
unformatted=$(gofmt -l . | grep -v '^bench/' || true)
if [ -n "$unformatted" ]; then
	echo "gofmt needed:"; echo "$unformatted"; exit 1
fi
go vet ./...
go test -race -count=1 ./...
