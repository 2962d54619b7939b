module github.com/openfaas-stack/samples/api-key-protected

go 1.22
