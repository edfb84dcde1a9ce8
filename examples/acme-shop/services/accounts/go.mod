module example.com/acme/accounts

go 1.22

require (
	github.com/aws/aws-sdk-go-v2 v1.26.1
	github.com/aws/aws-sdk-go-v2/service/s3 v1.53.1
	github.com/sendgrid/sendgrid-go v3.14.0+incompatible
	golang.org/x/crypto v0.22.0
)
