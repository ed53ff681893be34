" handover policies: *.handover
autocmd BufRead,BufNewFile *.handover setfiletype handover
