Pare.main()
