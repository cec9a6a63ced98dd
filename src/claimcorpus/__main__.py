from claimcorpus.cli import main

main()
